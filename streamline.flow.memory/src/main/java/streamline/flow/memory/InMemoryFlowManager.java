package streamline.flow.memory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.ProcessorNotFoundException;
import streamline.api.flow.TriggerDefinition;

/**
 * A {@link FlowManager} over maps guarded by one read-write lock. Definitions are immutable, so
 * readers get the stored objects themselves as snapshots.
 */
@Component(service = FlowManager.class, configurationPid = "streamline.flow.memory")
@Designate(ocd = MemoryFlowStoreConfig.class)
public class InMemoryFlowManager implements FlowManager {

    /** Orders flows for polling: by lastUpdated, then id. */
    private record UpdateKey(Instant lastUpdated, UUID flowId) implements Comparable<UpdateKey> {
        private static final Comparator<UpdateKey> ORDER =
                Comparator.comparing(UpdateKey::lastUpdated).thenComparing(UpdateKey::flowId);

        @Override
        public int compareTo(UpdateKey other) {
            return ORDER.compare(this, other);
        }
    }

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<UUID, FlowDefinition> flows = new HashMap<>();
    private final TreeMap<UpdateKey, FlowDefinition> byUpdate = new TreeMap<>();
    /** Owning flow of every processor and trigger id, so ids stay unique across the store. */
    private final Map<UUID, UUID> ownerOfId = new HashMap<>();
    private final Clock clock;
    private Instant lastStamp = Instant.EPOCH;

    /**
     * The component constructor. The configuration's only effect is on the service properties
     * (type and ranking), which SCR sets from it.
     */
    @Activate
    public InMemoryFlowManager(MemoryFlowStoreConfig config) {
        this(Clock.systemUTC());
    }

    /** An unmanaged store, outside OSGi. */
    public InMemoryFlowManager() {
        this(Clock.systemUTC());
    }

    InMemoryFlowManager(Clock clock) {
        this.clock = clock;
    }

    @Override
    public List<ProcessorDefinition> firstProcessors(UUID flowId) throws FlowStoreException {
        return read(flowId, FlowDefinition::firstProcessors);
    }

    @Override
    public List<ProcessorDefinition> processors(UUID flowId) throws FlowStoreException {
        return read(flowId, FlowDefinition::processors);
    }

    @Override
    public List<TriggerDefinition> triggers(UUID flowId) throws FlowStoreException {
        return read(flowId, FlowDefinition::triggers);
    }

    @Override
    public List<ProcessorDefinition> processorsByIds(Collection<UUID> processorIds) throws FlowStoreException {
        lock.readLock().lock();
        try {
            List<ProcessorDefinition> found = new ArrayList<>(processorIds.size());
            List<UUID> missing = new ArrayList<>();
            for (UUID id : processorIds) {
                UUID owner = ownerOfId.get(id);
                ProcessorDefinition p = owner == null ? null : flows.get(owner).processor(id).orElse(null);
                if (p == null) {
                    missing.add(id);
                } else {
                    found.add(p);
                }
            }
            if (!missing.isEmpty()) {
                throw new ProcessorNotFoundException(missing);
            }
            return found;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Page<FlowDefinition> listFlows(PageRequest page, Instant since) {
        lock.readLock().lock();
        try {
            // the smallest possible key after `since`: every flow updated strictly later sorts after it
            Map<UpdateKey, FlowDefinition> after =
                    byUpdate.tailMap(new UpdateKey(since, new UUID(Long.MAX_VALUE, Long.MAX_VALUE)), false);
            List<FlowDefinition> items = after.values().stream().skip(page.offset()).limit(page.size()).toList();
            return new Page<>(items, page, after.size());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public FlowDefinition flow(UUID flowId) throws FlowStoreException {
        return read(flowId, Function.identity());
    }

    @Override
    public ProcessorDefinition processor(UUID flowId, UUID processorId) throws FlowStoreException {
        FlowDefinition flow = flow(flowId);
        return flow.processor(processorId).orElseThrow(() -> new ProcessorNotFoundException(flowId, processorId));
    }

    @Override
    public FlowDefinition addProcessorBefore(UUID flowId, ProcessorDefinition processor, UUID referenceId)
            throws FlowStoreException {
        return change(flowId, flow -> flow.withProcessorBefore(processor, referenceId));
    }

    @Override
    public FlowDefinition addProcessorAfter(UUID flowId, ProcessorDefinition processor, UUID referenceId)
            throws FlowStoreException {
        return change(flowId, flow -> flow.withProcessorAfter(processor, referenceId));
    }

    /** A change of a stored flow, which may refuse it. */
    @FunctionalInterface
    private interface FlowChange {
        FlowDefinition apply(FlowDefinition flow) throws FlowStoreException;
    }

    /** Applies a change to a stored flow and stores the result, all under the write lock. */
    private FlowDefinition change(UUID flowId, FlowChange change) throws FlowStoreException {
        lock.writeLock().lock();
        try {
            FlowDefinition flow = stored(flowId);
            FlowDefinition changed = change.apply(flow);
            return changed == flow ? flow : store(changed);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public FlowDefinition save(FlowDefinition flow) throws FlowStoreException {
        lock.writeLock().lock();
        try {
            return store(flow);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public Map<UUID, Instant> lastUpdateTimes(Collection<UUID> flowIds) {
        lock.readLock().lock();
        try {
            Map<UUID, Instant> times = new LinkedHashMap<>();
            for (UUID id : flowIds) {
                FlowDefinition flow = flows.get(id);
                if (flow != null) {
                    times.put(id, flow.lastUpdated());
                }
            }
            return times;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public FlowDefinition setActive(UUID flowId, boolean active) throws FlowStoreException {
        return change(flowId, flow -> flow.active() == active ? flow : flow.toBuilder().active(active).build());
    }

    /** Validates and stores a flow; the caller holds the write lock. */
    private FlowDefinition store(FlowDefinition flow) throws InvalidFlowException {
        FlowGraph.of(flow);
        List<String> problems = new ArrayList<>();
        for (ProcessorDefinition p : flow.processors()) {
            checkOwner(flow, p.id(), "processor '" + p.name() + "'", problems);
        }
        for (TriggerDefinition t : flow.triggers()) {
            checkOwner(flow, t.id(), "trigger '" + t.name() + "'", problems);
        }
        if (!problems.isEmpty()) {
            throw new InvalidFlowException(flow.name(), problems);
        }
        FlowDefinition previous = flows.get(flow.id());
        if (previous != null) {
            byUpdate.remove(new UpdateKey(previous.lastUpdated(), previous.id()));
            previous.processors().forEach(p -> ownerOfId.remove(p.id()));
            previous.triggers().forEach(t -> ownerOfId.remove(t.id()));
        }
        FlowDefinition stored = flow.toBuilder().lastUpdated(nextStamp()).build();
        flows.put(stored.id(), stored);
        byUpdate.put(new UpdateKey(stored.lastUpdated(), stored.id()), stored);
        stored.processors().forEach(p -> ownerOfId.put(p.id(), stored.id()));
        stored.triggers().forEach(t -> ownerOfId.put(t.id(), stored.id()));
        return stored;
    }

    private void checkOwner(FlowDefinition flow, UUID id, String what, List<String> problems) {
        UUID owner = ownerOfId.get(id);
        if (owner != null && !owner.equals(flow.id())) {
            problems.add(what + ": id " + id + " belongs to flow '" + flows.get(owner).name() + "' (" + owner + ")");
        }
    }

    /** A timestamp later than every earlier one, even when the clock stands still or steps back. */
    private Instant nextStamp() {
        Instant now = clock.instant();
        lastStamp = now.isAfter(lastStamp) ? now : lastStamp.plusNanos(1);
        return lastStamp;
    }

    private FlowDefinition stored(UUID flowId) throws FlowNotFoundException {
        FlowDefinition flow = flows.get(flowId);
        if (flow == null) {
            throw new FlowNotFoundException(flowId);
        }
        return flow;
    }

    private <T> T read(UUID flowId, Function<FlowDefinition, T> part) throws FlowNotFoundException {
        lock.readLock().lock();
        try {
            return part.apply(stored(flowId));
        } finally {
            lock.readLock().unlock();
        }
    }
}
