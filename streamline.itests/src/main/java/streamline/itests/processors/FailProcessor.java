package streamline.itests.processors;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepContext;

/**
 * Test processor: fails every attempt before {@code succeedAt} (0 = the first run succeeds), then
 * records the attempt that succeeded in the metadata key {@code attempt}.
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ITestFail")
public class FailProcessor implements Processor {

    @Override
    public FlowObject process(FlowObject input, StepContext step) {
        int succeedAt = Integer.parseInt(step.config("succeedAt"));
        if (step.attempt() < succeedAt) {
            throw new IllegalStateException("attempt " + step.attempt() + " fails on purpose");
        }
        return input.with("attempt", step.attempt());
    }
}
