package streamline.itests.processors;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepContext;

/** Test processor: holds each step for {@code millis} milliseconds (interruptibly), then passes it on. */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ITestHold")
public class HoldProcessor implements Processor {

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        Thread.sleep(Long.parseLong(step.config("millis")));
        return input;
    }
}
