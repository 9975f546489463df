package streamline.flow.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import streamline.api.engine.Engine;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.processor.ProcessorTypes;

/**
 * Gogo shell commands for flow files: {@code streamline:load <file>} reads a flow file and saves it
 * into the flow store the engine uses (the best-ranked one matching the engine's {@code flowManager.target}), once its
 * processors' configuration passed the engine's check ({@link ProcessorTypes});
 * {@code streamline:export <flow id>} prints a flow of that store as JSON.
 */
@Component(service = FlowFileCommands.class, property = { "osgi.command.scope=streamline",
        "osgi.command.function=load", "osgi.command.function=export" })
public class FlowFileCommands {

    private final FlowJson json = new FlowJson();
    private final FlowStoreSelection selection = new FlowStoreSelection();

    @Reference(service = FlowManager.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            unbind = "removeStore")
    void addStore(ServiceReference<FlowManager> reference, FlowManager store) {
        selection.add(reference, store);
    }

    void removeStore(ServiceReference<FlowManager> reference) {
        selection.remove(reference);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile ProcessorTypes types;

    @Reference(service = Engine.class, cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            unbind = "unbindEngine", updated = "bindEngine")
    void bindEngine(Map<String, Object> properties) {
        selection.engine(properties);
    }

    void unbindEngine(Map<String, Object> properties) {
        // the engine's last choice stays
    }

    /** Reads a flow file and saves it; prints what was saved, or why the file was refused. */
    public String load(String file) throws IOException {
        if (file == null || file.isBlank()) {
            return "refused: no file given (streamline:load <file.json>)";
        }
        Path path;
        try {
            path = Path.of(file).toAbsolutePath();
        } catch (InvalidPathException e) {
            return "refused: '" + file + "' is not a path: " + e.getMessage();
        }
        if (!Files.isRegularFile(path)) {
            return "refused: " + path + " is not a file";
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (CharacterCodingException e) {
            return "refused: " + path + " is not UTF-8 text (" + e.getMessage() + "); flow files are read as UTF-8";
        }
        try {
            FlowManager store = selection.select(null);
            FlowDefinition flow = json.read(text, path.getFileName().toString());
            ProcessorTypes checking = types;
            // the processors' declared keys, before anything is saved; a type not provided yet is checked at activation
            List<String> unknown = checking == null ? List.of() : checking.check(flow);
            FlowDefinition saved = store.save(flow);
            return "saved flow '" + saved.name() + "' (" + saved.id() + ")" + (saved.active() ? ", active" : ", inactive")
                    + unknown.stream().map(warning -> "\nwarning: " + warning + "; it is ignored").collect(Collectors.joining());
        } catch (FlowFileException | FlowStoreException | FlowStoreSelection.NoStoreException e) {
            return "refused: " + e.getMessage();
        }
    }

    /** Prints a stored flow in the flow file format. */
    public String export(String flowId) {
        try {
            return json.write(selection.select(null).flow(UUID.fromString(flowId.trim())));
        } catch (FlowStoreException | IllegalArgumentException | FlowStoreSelection.NoStoreException e) {
            return "cannot export " + flowId + ": " + e.getMessage();
        }
    }
}
