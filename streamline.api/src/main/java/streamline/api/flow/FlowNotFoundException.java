package streamline.api.flow;

import java.util.UUID;

/** No flow with the given id is stored. */
public class FlowNotFoundException extends FlowStoreException {
    private static final long serialVersionUID = 1L;

    private final UUID flowId;

    public FlowNotFoundException(UUID flowId) {
        super("flow " + flowId + " not found");
        this.flowId = flowId;
    }

    public UUID flowId() {
        return flowId;
    }
}
