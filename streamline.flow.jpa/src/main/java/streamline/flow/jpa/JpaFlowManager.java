package streamline.flow.jpa;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import javax.sql.DataSource;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;

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
import streamline.jpa.support.CodePersistenceUnit;
import streamline.jpa.support.Transactions;

/**
 * A {@link FlowManager} over JPA with a Caffeine cache in front of flow reads.
 *
 * <p>Writes go one at a time (a lock), each in one transaction: a save replaces the flow whole, so
 * processors no longer in it are deleted with it. The cache is invalidated only after a commit
 * succeeded, and a reader caches what it loaded only if no write happened since it began (checked
 * atomically against the invalidation), so a stale flow is never served after a save.
 */
public final class JpaFlowManager implements FlowManager, AutoCloseable {

    private final Transactions transactions;
    /** null when the cache size is 0 */
    private final Cache<UUID, FlowDefinition> cache;
    /** Counts committed writes; a load that overlapped one is not cached. */
    private final AtomicLong writes = new AtomicLong();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConsistentReader consistentReader = new ConsistentReader(writeLock);
    private volatile boolean closed;

    /** The store's EntityManagerFactory on a data source; {@code root} is the persistence unit's root. */
    public static EntityManagerFactory createFactory(DataSource dataSource, int poolSize, URL root) {
        return createFactory(dataSource, poolSize, root, CodePersistenceUnit.DERBY);
    }

    /** @param targetDatabase the EclipseLink platform, or {@code null} to detect it */
    public static EntityManagerFactory createFactory(DataSource dataSource, int poolSize, URL root,
            String targetDatabase) {
        return CodePersistenceUnit.createFactory("streamline.flow.jpa", List.of(FlowEntity.class, ProcessorEntity.class,
                TriggerEntity.class, SchemaVersionEntity.class), dataSource, poolSize, root, targetDatabase,
                Map.of(), List.of());
    }

    /**
     * @param cacheSize the most flows the read cache holds
     * @param cacheExpiry how long a cached flow is served before it is read again; zero: until a change
     *        through this store invalidates it (exact while no other process writes the same tables)
     */
    public JpaFlowManager(EntityManagerFactory factory, long cacheSize, Duration cacheExpiry) {
        this.transactions = new Transactions(factory);
        // maintenance (eviction, expiry) on the calling thread: no hand-off to a pool on the read path
        Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(cacheSize).executor(Runnable::run);
        // expiry costs a clock read on every hit: only when asked for (another process writes the tables)
        this.cache = cacheSize == 0 ? null : (cacheExpiry.isZero() ? builder : builder.expireAfterWrite(cacheExpiry)).build();
        FlowSchema.ensure(transactions);
    }

    // ------------------------------------------------------------------ reads

    @Override
    public FlowDefinition flow(UUID flowId) throws FlowStoreException {
        checkOpen();
        FlowDefinition cached = cache == null ? null : cache.getIfPresent(flowId);
        if (cached != null) {
            return cached;
        }
        long before = writes.get();
        FlowDefinition loaded = readStatements(em -> consistentReader.read(em, flowId));
        if (loaded == null) {
            throw new FlowNotFoundException(flowId);
        }
        if (cache == null) {
            return loaded;
        }
        // atomic with invalidate(): a write that committed since `before` keeps the old version out
        cache.asMap().compute(flowId, (id, current) -> writes.get() == before ? loaded : current);
        return loaded;
    }

    @Override
    public List<ProcessorDefinition> firstProcessors(UUID flowId) throws FlowStoreException {
        return flow(flowId).firstProcessors();
    }

    @Override
    public List<ProcessorDefinition> processors(UUID flowId) throws FlowStoreException {
        return flow(flowId).processors();
    }

    @Override
    public List<TriggerDefinition> triggers(UUID flowId) throws FlowStoreException {
        return flow(flowId).triggers();
    }

    @Override
    public ProcessorDefinition processor(UUID flowId, UUID processorId) throws FlowStoreException {
        return flow(flowId).processor(processorId).orElseThrow(() -> new ProcessorNotFoundException(flowId, processorId));
    }

    @Override
    public List<ProcessorDefinition> processorsByIds(Collection<UUID> processorIds) throws FlowStoreException {
        Map<UUID, ProcessorDefinition> found = new LinkedHashMap<>();
        List<String> ids = processorIds.stream().map(UUID::toString).toList();
        Map<UUID, UUID> owners = read(em -> {
            Map<UUID, UUID> result = new LinkedHashMap<>();
            for (Object[] row : em.createQuery("select p.id, p.flow.id from ProcessorEntity p where p.id in :ids", Object[].class)
                    .setParameter("ids", ids.isEmpty() ? List.of("") : ids).getResultList()) {
                result.put(UUID.fromString((String) row[0]), UUID.fromString((String) row[1]));
            }
            return result;
        });
        List<UUID> missing = new ArrayList<>();
        for (UUID id : processorIds) {
            UUID owner = owners.get(id);
            ProcessorDefinition p = null;
            if (owner != null) {
                try {
                    p = flow(owner).processor(id).orElse(null);
                } catch (FlowNotFoundException e) {
                    p = null; // deleted meanwhile
                }
            }
            if (p == null) {
                missing.add(id);
            } else {
                found.put(id, p);
            }
        }
        if (!missing.isEmpty()) {
            throw new ProcessorNotFoundException(missing);
        }
        return processorIds.stream().map(found::get).toList();
    }

    /**
     * Lists as of a horizon, the newest stamp when the listing began: versions saved since are left to a
     * later listing, and a flow whose rows changed while its page was read (saved again meanwhile, so
     * newer than the horizon) is left off the page rather than read again. No flow a page returns is
     * then newer than a flow committed during the listing that it does not return, so a poll that goes on
     * after the newest flow it listed misses none.
     */
    @Override
    public Page<FlowDefinition> listFlows(PageRequest page, Instant since) throws FlowStoreException {
        long after = FlowRows.toNanos(since);
        return read(em -> {
            Long newest = em.createQuery("select max(f.lastUpdated) from FlowEntity f", Long.class).getSingleResult();
            long horizon = newest == null ? Long.MIN_VALUE : newest;
            long total = horizon <= after ? 0 : em.createQuery(
                    "select count(f) from FlowEntity f where f.lastUpdated > :after and f.lastUpdated <= :horizon", Long.class)
                    .setParameter("after", after).setParameter("horizon", horizon).getSingleResult();
            if (page.offset() >= total) {
                return new Page<>(List.of(), page, total); // also every offset an int cannot hold
            }
            List<FlowEntity> entities = em.createQuery("select f from FlowEntity f where f.lastUpdated > :after"
                    + " and f.lastUpdated <= :horizon order by f.lastUpdated, f.id", FlowEntity.class)
                    .setParameter("after", after).setParameter("horizon", horizon)
                    .setFirstResult((int) page.offset()).setMaxResults(page.size()).getResultList();
            // the page's processors and triggers in one statement each, not two per flow
            Map<String, List<ProcessorEntity>> processors = byFlow(em, "processorsOfFlows", ProcessorEntity.class, entities,
                    entities.stream().anyMatch(e -> e.processorCount > 0), p -> p.flow.id);
            Map<String, List<TriggerEntity>> triggers = byFlow(em, "triggersOfFlows", TriggerEntity.class, entities,
                    entities.stream().anyMatch(e -> e.triggerCount > 0), t -> t.flow.id);
            List<FlowDefinition> consistent = new ArrayList<>(entities.size());
            for (FlowEntity e : entities) {
                List<ProcessorEntity> ps = processors.getOrDefault(e.id, List.of());
                List<TriggerEntity> ts = triggers.getOrDefault(e.id, List.of());
                if (ConsistentReader.oneVersion(e, ps, ts)) {
                    consistent.add(FlowRows.toDefinition(e, ps, ts));
                }
            }
            return new Page<>(consistent, page, total);
        });
    }

    /** The rows a named query finds for the flows, by flow id, in the query's order; none if {@code any} is false. */
    private static <T> Map<String, List<T>> byFlow(EntityManager em, String query, Class<T> type, List<FlowEntity> flows,
            boolean any, Function<T, String> flowOf) {
        Map<String, List<T>> byFlow = new HashMap<>();
        if (any) {
            for (T row : em.createNamedQuery(query, type)
                    .setParameter("flows", flows.stream().map(f -> f.id).toList()).getResultList()) {
                byFlow.computeIfAbsent(flowOf.apply(row), id -> new ArrayList<>()).add(row);
            }
        }
        return byFlow;
    }

    @Override
    public Map<UUID, Instant> lastUpdateTimes(Collection<UUID> flowIds) throws FlowStoreException {
        List<String> ids = flowIds.stream().map(UUID::toString).toList();
        Map<UUID, Instant> byId = read(em -> {
            Map<UUID, Instant> result = new LinkedHashMap<>();
            for (Object[] row : em.createQuery("select f.id, f.lastUpdated from FlowEntity f where f.id in :ids", Object[].class)
                    .setParameter("ids", ids.isEmpty() ? List.of("") : ids).getResultList()) {
                result.put(UUID.fromString((String) row[0]), FlowRows.fromNanos((Long) row[1]));
            }
            return result;
        });
        Map<UUID, Instant> ordered = new LinkedHashMap<>();
        for (UUID id : flowIds) {
            if (byId.containsKey(id)) {
                ordered.put(id, byId.get(id));
            }
        }
        return ordered;
    }

    // ------------------------------------------------------------------ writes

    @Override
    public FlowDefinition save(FlowDefinition flow) throws FlowStoreException {
        return write(flow.id(), current -> flow);
    }

    @Override
    public FlowDefinition addProcessorBefore(UUID flowId, ProcessorDefinition processor, UUID referenceId)
            throws FlowStoreException {
        return write(flowId, current -> required(flowId, current).withProcessorBefore(processor, referenceId));
    }

    @Override
    public FlowDefinition addProcessorAfter(UUID flowId, ProcessorDefinition processor, UUID referenceId)
            throws FlowStoreException {
        return write(flowId, current -> required(flowId, current).withProcessorAfter(processor, referenceId));
    }

    @Override
    public FlowDefinition setActive(UUID flowId, boolean active) throws FlowStoreException {
        return write(flowId, current -> {
            FlowDefinition flow = required(flowId, current);
            return flow.active() == active ? flow : flow.toBuilder().active(active).build();
        });
    }

    private static FlowDefinition required(UUID flowId, FlowDefinition current) throws FlowNotFoundException {
        if (current == null) {
            throw new FlowNotFoundException(flowId);
        }
        return current;
    }

    /** A change of one flow (null when it is not stored), which may refuse. */
    @FunctionalInterface
    private interface Change {
        FlowDefinition apply(FlowDefinition current) throws FlowStoreException;
    }

    /** What a write leaves stored, and whether it changed anything. */
    private record Written(FlowDefinition flow, boolean changed) {
    }

    private FlowDefinition write(UUID flowId, Change change) throws FlowStoreException {
        checkOpen();
        writeLock.lock();
        try {
            Written written = transactions.required(em -> {
                FlowEntity existing = em.find(FlowEntity.class, flowId.toString());
                FlowDefinition current = existing == null ? null
                        : FlowRows.toDefinition(existing, existing.processors, existing.triggers);
                FlowDefinition changed = change.apply(current);
                if (changed.equals(current)) {
                    return new Written(current, false);
                }
                FlowGraph.of(changed);
                FlowRows.checkFitsColumns(changed);
                checkIdsFree(em, changed);
                long stamp = nextStamp(em);
                if (existing != null) {
                    em.remove(existing);
                    em.flush();
                }
                FlowDefinition stored = changed.toBuilder().lastUpdated(FlowRows.fromNanos(stamp)).build();
                em.persist(FlowRows.toEntity(stored, stamp));
                return new Written(stored, true);
            });
            if (written.changed()) {
                writes.incrementAndGet();
                if (cache != null) {
                    cache.invalidate(flowId);
                }
            }
            return written.flow();
        } catch (PersistenceException | IllegalStateException e) {
            throw new FlowStoreException("cannot save flow " + flowId + ": " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    /** Processor and trigger ids are unique across the store. */
    private static void checkIdsFree(EntityManager em, FlowDefinition flow) throws InvalidFlowException {
        List<String> ids = new ArrayList<>();
        flow.processors().forEach(p -> ids.add(p.id().toString()));
        flow.triggers().forEach(t -> ids.add(t.id().toString()));
        List<String> problems = new ArrayList<>();
        for (Object[] row : em.createQuery("select p.id, p.flow.name, p.flow.id from ProcessorEntity p where p.id in :ids"
                + " and p.flow.id <> :flow", Object[].class).setParameter("ids", ids).setParameter("flow", flow.id().toString())
                .getResultList()) {
            problems.add("processor id " + row[0] + " belongs to flow '" + row[1] + "' (" + row[2] + ")");
        }
        for (Object[] row : em.createQuery("select t.id, t.flow.name, t.flow.id from TriggerEntity t where t.id in :ids"
                + " and t.flow.id <> :flow", Object[].class).setParameter("ids", ids).setParameter("flow", flow.id().toString())
                .getResultList()) {
            problems.add("trigger id " + row[0] + " belongs to flow '" + row[1] + "' (" + row[2] + ")");
        }
        if (!problems.isEmpty()) {
            throw new InvalidFlowException(flow.name(), problems);
        }
    }

    /** Later than every stamp in the store and not before now: the clock may stand still or step back. */
    private static long nextStamp(EntityManager em) {
        Long max = em.createQuery("select max(f.lastUpdated) from FlowEntity f", Long.class).getSingleResult();
        long now = FlowRows.toNanos(Instant.now());
        return max == null ? now : Math.max(now, max + 1);
    }

    /** A read in a transaction of its own. */
    private <T> T read(Function<EntityManager, T> work) throws FlowStoreException {
        checkOpen();
        try {
            return transactions.required(work::apply);
        } catch (PersistenceException | IllegalStateException e) {
            throw new FlowStoreException("cannot read the flow store: " + e.getMessage(), e);
        }
    }

    /**
     * Reads whose statements each commit on their own (no transaction around them): for work that
     * checks its own consistency, and saves the transaction's round trips.
     */
    private <T> T readStatements(Function<EntityManager, T> work) throws FlowStoreException {
        checkOpen();
        try {
            return transactions.statements(work::apply);
        } catch (PersistenceException | IllegalStateException e) {
            throw new FlowStoreException("cannot read the flow store: " + e.getMessage(), e);
        }
    }

    private void checkOpen() throws FlowStoreException {
        if (closed) {
            throw new FlowStoreException("the JPA flow store is closed");
        }
    }

    /** Closes the store: from now on every call fails, and the cache serves nothing (its owner closes the factory). */
    @Override
    public void close() {
        closed = true;
        if (cache != null) {
            cache.invalidateAll();
        }
    }
}
