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
 * Test processor: writes the metadata key {@code path} into a file named after the trigger mark in
 * the folder {@code dir}. The file must not exist yet, so a step that ran twice fails its session.
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ITestResult")
public class ResultProcessor implements Processor {

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        Path file = Path.of(step.config("dir"), input.triggerMark());
        Files.writeString(file, String.valueOf(input.metadata().get("path")), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        return input;
    }
}
