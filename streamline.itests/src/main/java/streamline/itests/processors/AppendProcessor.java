package streamline.itests.processors;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepContext;

/**
 * Test processor from a "third-party" bundle (this one depends on streamline.api only): appends
 * its {@code tag} to the metadata key {@code path}; with {@code runs} set to a folder, also records
 * each run as a line {@code <trigger mark> <processor name>} in {@code runs.log} there.
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ITestAppend")
public class AppendProcessor implements Processor {

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        String runs = step.optionalConfig("runs").orElse("");
        if (!runs.isEmpty()) {
            Files.writeString(Path.of(runs, "runs.log"), input.triggerMark() + " " + step.processorName() + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        Object path = input.metadata().getOrDefault("path", "");
        return input.with("path", path + step.config("tag"));
    }
}
