package streamline.api.flow;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** No processor with the given id (or ids) is stored, in the given flow or at all. */
public class ProcessorNotFoundException extends FlowStoreException {
    private static final long serialVersionUID = 1L;

    private final List<UUID> processorIds;

    public ProcessorNotFoundException(UUID flowId, UUID processorId) {
        super("processor " + processorId + " not found in flow " + flowId);
        this.processorIds = List.of(processorId);
    }

    public ProcessorNotFoundException(Collection<UUID> processorIds) {
        super("processors not found: " + processorIds);
        this.processorIds = List.copyOf(processorIds);
    }

    /** The ids that were not found. */
    public List<UUID> processorIds() {
        return processorIds;
    }
}
