package streamline.itests.processors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepContext;

/**
 * Test processor: holds each step for {@code millis} milliseconds (interruptibly), then passes it on; with
 * {@code whileExists} (a path), only as long as that file exists, at most {@code millis}.
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ITestHold")
public class HoldProcessor implements Processor {

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        long millis = Long.parseLong(step.config("millis"));
        Optional<Path> marker = step.optionalConfig("whileExists").map(Path::of);
        if (marker.isEmpty()) {
            Thread.sleep(millis);
            return input;
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (Files.exists(marker.get()) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        return input;
    }
}
