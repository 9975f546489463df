package streamline.api.flow;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Stores flow definitions.
 *
 * <h2>Service</h2>
 * Implementations register this interface with the property {@value #TYPE_PROPERTY} (for example
 * {@code memory}, {@code jpa}) and an {@code Integer} {@code service.ranking}. A consumer that does
 * not select one by a target filter gets the usual OSGi choice: the highest {@code service.ranking}
 * wins, and a tie goes to the lowest {@code service.id}.
 *
 * <h2>Contract</h2>
 * <ul>
 * <li>Thread-safe; every method may be called concurrently.</li>
 * <li>Returned definitions are immutable snapshots: changing a flow means saving it again.</li>
 * <li>A save validates the whole definition ({@link FlowGraph#of(FlowDefinition)}, and processor and
 * trigger ids unique across the store) and either stores all of it or nothing.</li>
 * <li>Every change gives the flow a {@code lastUpdated} later than every earlier change in this store,
 * so polling with {@link #listFlows(PageRequest, Instant)} misses no change.</li>
 * <li>A {@link FlowStoreException} that is not one of its subclasses means the store itself failed.</li>
 * </ul>
 */
@ProviderType
public interface FlowManager {

    /** The service property naming the implementation, for target filters. */
    String TYPE_PROPERTY = "streamline.flow.type";

    /** The processors of a flow that no other processor leads to, in definition order. */
    List<ProcessorDefinition> firstProcessors(UUID flowId) throws FlowStoreException;

    /** All processors of a flow, in definition order. */
    List<ProcessorDefinition> processors(UUID flowId) throws FlowStoreException;

    /** The trigger processors of a flow, in definition order. */
    List<TriggerDefinition> triggers(UUID flowId) throws FlowStoreException;

    /**
     * The processors with the given ids, from any flow, in the order of {@code processorIds}.
     *
     * @throws ProcessorNotFoundException naming every id that is not stored
     */
    List<ProcessorDefinition> processorsByIds(Collection<UUID> processorIds) throws FlowStoreException;

    /**
     * One page of the flows changed after {@code since} (strictly), ordered by {@code lastUpdated}
     * and then id. {@link Instant#MIN} or {@link Instant#EPOCH} lists every flow.
     */
    Page<FlowDefinition> listFlows(PageRequest page, Instant since) throws FlowStoreException;

    /** @throws FlowNotFoundException if no flow has this id */
    FlowDefinition flow(UUID flowId) throws FlowStoreException;

    /** @throws ProcessorNotFoundException if the flow has no processor with this id */
    ProcessorDefinition processor(UUID flowId, UUID processorId) throws FlowStoreException;

    /**
     * Inserts a processor before another: every processor that led to {@code referenceId} now leads
     * to the new one instead, and the new one leads to {@code referenceId}. If the reference was a
     * first processor, the new one becomes a first processor.
     *
     * @param processor the new processor; its {@code nextProcessorIds} must be empty, since the store sets them
     * @return the flow as saved
     * @throws InvalidFlowException if the new processor has next links, or the result is invalid
     *         (a duplicate name, for example)
     */
    FlowDefinition addProcessorBefore(UUID flowId, ProcessorDefinition processor, UUID referenceId) throws FlowStoreException;

    /**
     * Inserts a processor after another: the new one takes over the next processors of
     * {@code referenceId}, and {@code referenceId} leads to the new one only.
     *
     * @param processor the new processor; its {@code nextProcessorIds} must be empty, since the store sets them
     * @return the flow as saved
     */
    FlowDefinition addProcessorAfter(UUID flowId, ProcessorDefinition processor, UUID referenceId) throws FlowStoreException;

    /**
     * Saves a flow, creating or replacing it whole: processors and triggers no longer in the
     * definition are removed. {@code lastUpdated} of the argument is ignored.
     *
     * @return the flow as saved, with its new {@code lastUpdated}
     * @throws InvalidFlowException if the definition is invalid; nothing is saved
     */
    FlowDefinition save(FlowDefinition flow) throws FlowStoreException;

    /** The {@code lastUpdated} of each given flow that is stored; unknown ids are left out. */
    Map<UUID, Instant> lastUpdateTimes(Collection<UUID> flowIds) throws FlowStoreException;

    /**
     * Activates or deactivates a flow; a change counts as an update ({@code lastUpdated} moves).
     *
     * @return the flow as saved
     * @throws FlowNotFoundException if no flow has this id
     */
    FlowDefinition setActive(UUID flowId, boolean active) throws FlowStoreException;
}
