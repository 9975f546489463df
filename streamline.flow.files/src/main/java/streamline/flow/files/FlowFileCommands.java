package streamline.flow.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;

/**
 * Gogo shell commands for flow files: {@code streamline:load <file>} reads a flow file and saves it
 * into the flow store in use; {@code streamline:export <flow id>} prints a stored flow as JSON.
 */
@Component(service = FlowFileCommands.class, property = { "osgi.command.scope=streamline",
        "osgi.command.function=load", "osgi.command.function=export" })
public class FlowFileCommands {

    private final FlowJson json = new FlowJson();

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile FlowManager flows;

    /** Reads a flow file and saves it; prints what was saved, or why the file was refused. */
    public String load(String file) throws IOException {
        Path path = Path.of(file).toAbsolutePath();
        try {
            FlowDefinition flow = json.read(Files.readString(path, StandardCharsets.UTF_8), path.getFileName().toString());
            FlowDefinition saved = flows.save(flow);
            return "saved flow '" + saved.name() + "' (" + saved.id() + ")" + (saved.active() ? ", active" : ", inactive");
        } catch (FlowFileException | FlowStoreException e) {
            return "refused: " + e.getMessage();
        }
    }

    /** Prints a stored flow in the flow file format. */
    public String export(String flowId) {
        try {
            return json.write(flows.flow(UUID.fromString(flowId.trim())));
        } catch (FlowStoreException | IllegalArgumentException e) {
            return "cannot export " + flowId + ": " + e.getMessage();
        }
    }
}
