package streamline.flow.files;

import java.util.List;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.ProcessorTypes;

/** Checks a flow's configuration against its processor types before it is saved ({@link ProcessorTypes#check}). */
@FunctionalInterface
interface FlowCheck {

    /** No check: no engine is there to say what its types declare (the flow is checked when it activates). */
    FlowCheck NONE = flow -> List.of();

    /**
     * @return the unknown keys (the engine warns about them)
     * @throws InvalidFlowException naming the processor and the key of every mistake
     */
    List<String> check(FlowDefinition flow) throws InvalidFlowException;
}
