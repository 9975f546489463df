package streamline.api.flow;

import java.util.List;

/**
 * A flow definition was refused; nothing of it was saved. {@link #problems()} lists every problem
 * found, each saying what is wrong and where (processor or trigger name).
 */
public class InvalidFlowException extends FlowStoreException {
    private static final long serialVersionUID = 1L;

    private final String flowName;
    private final List<String> problems;

    public InvalidFlowException(String flowName, List<String> problems) {
        super("invalid flow '" + flowName + "': " + String.join("; ", problems));
        this.flowName = flowName;
        this.problems = List.copyOf(problems);
    }

    public String flowName() {
        return flowName;
    }

    public List<String> problems() {
        return problems;
    }
}
