package streamline.flow.jpa;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.PersistenceException;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.LogLevel;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.ProcessorNotFoundException;
import streamline.api.flow.TriggerDefinition;
import streamline.jpa.support.CodePersistenceUnit;

/**
 * A {@link FlowManager} over JPA with a Caffeine cache in front of flow reads.
 *
 * <p>Writes go one at a time (a lock), each in one transaction: a save replaces the flow whole, so
 * processors no longer in it are deleted with it. The cache is invalidated only after a commit
 * succeeded, and a reader caches what it loaded only if no write happened since it began (checked
 * atomically against the invalidation), so a stale flow is never served after a save.
 */
public final class JpaFlowManager implements FlowManager {

    static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> CONFIG = new TypeReference<>() { };

    private final EntityManagerFactory factory;
    private final Cache<UUID, FlowDefinition> cache;
    /** Counts committed writes; a load that overlapped one is not cached. */
    private final AtomicLong writes = new AtomicLong();
    private final ReentrantLock writeLock = new ReentrantLock();

    /** The store's EntityManagerFactory on a data source; {@code root} is the persistence unit's root. */
    public static EntityManagerFactory createFactory(javax.sql.DataSource dataSource, int poolSize, java.net.URL root) {
        return createFactory(dataSource, poolSize, root, CodePersistenceUnit.DERBY);
    }

    /** @param targetDatabase the EclipseLink platform, or {@code null} to detect it */
    public static EntityManagerFactory createFactory(javax.sql.DataSource dataSource, int poolSize, java.net.URL root,
            String targetDatabase) {
        return CodePersistenceUnit.createFactory("streamline.flow.jpa", List.of(FlowEntity.class, ProcessorEntity.class,
                TriggerEntity.class, SchemaVersionEntity.class), dataSource, poolSize, root, targetDatabase,
                Map.of());
    }

    /**
     * @param cacheSize the most flows the read cache holds
     * @param cacheExpiry how long a cached flow is served before it is read again; zero: until a change
     *        through this store invalidates it (exact while no other process writes the same tables)
     */
    public JpaFlowManager(EntityManagerFactory factory, long cacheSize, Duration cacheExpiry) {
        this.factory = factory;
        // maintenance (eviction, expiry) on the calling thread: no hand-off to a pool on the read path
        Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(cacheSize).executor(Runnable::run);
        // expiry costs a clock read on every hit: only when asked for (another process writes the tables)
        this.cache = (cacheExpiry.isZero() ? builder : builder.expireAfterWrite(cacheExpiry)).build();
        ensureSchemaVersion();
    }

    private void ensureSchemaVersion() {
        inTransaction(em -> {
            SchemaVersionEntity version = em.find(SchemaVersionEntity.class, "streamline.flow.jpa");
            if (version == null) {
                version = new SchemaVersionEntity();
                version.component = "streamline.flow.jpa";
                version.version = SCHEMA_VERSION;
                em.persist(version);
            } else if (version.version > SCHEMA_VERSION) {
                throw new IllegalStateException("the flow store's schema has version " + version.version
                        + "; this release knows version " + SCHEMA_VERSION + " only");
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ reads

    @Override
    public FlowDefinition flow(UUID flowId) throws FlowStoreException {
        FlowDefinition cached = cache.getIfPresent(flowId);
        if (cached != null) {
            return cached;
        }
        long before = writes.get();
        FlowDefinition loaded = read(em -> loadConsistent(em, flowId));
        if (loaded == null) {
            throw new FlowNotFoundException(flowId);
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

    @Override
    public Page<FlowDefinition> listFlows(PageRequest page, Instant since) throws FlowStoreException {
        long after = toNanos(since);
        return read(em -> {
            List<FlowEntity> entities = em.createQuery(
                    "select f from FlowEntity f where f.lastUpdated > :after order by f.lastUpdated, f.id", FlowEntity.class)
                    .setParameter("after", after).setFirstResult((int) page.offset()).setMaxResults(page.size())
                    .getResultList();
            long total = em.createQuery("select count(f) from FlowEntity f where f.lastUpdated > :after", Long.class)
                    .setParameter("after", after).getSingleResult();
            List<FlowDefinition> items = new ArrayList<>(entities.size());
            for (FlowEntity e : entities) {
                items.add(toDefinition(e));
            }
            // a flow saved while this page was read may mix two versions: read such flows again
            Map<UUID, Long> stamps = stamps(em, items.stream().map(FlowDefinition::id).toList());
            List<FlowDefinition> consistent = new ArrayList<>(items.size());
            for (FlowDefinition item : items) {
                Long stamp = stamps.get(item.id());
                if (stamp != null && stamp == toNanos(item.lastUpdated())) {
                    consistent.add(item);
                } else {
                    em.clear();
                    FlowDefinition again = loadConsistent(em, item.id());
                    if (again != null) {
                        consistent.add(again);
                    }
                }
            }
            return new Page<>(consistent, page, total);
        });
    }

    @Override
    public Map<UUID, Instant> lastUpdateTimes(Collection<UUID> flowIds) throws FlowStoreException {
        List<String> ids = flowIds.stream().map(UUID::toString).toList();
        Map<UUID, Instant> byId = read(em -> {
            Map<UUID, Instant> result = new LinkedHashMap<>();
            for (Object[] row : em.createQuery("select f.id, f.lastUpdated from FlowEntity f where f.id in :ids", Object[].class)
                    .setParameter("ids", ids.isEmpty() ? List.of("") : ids).getResultList()) {
                result.put(UUID.fromString((String) row[0]), fromNanos((Long) row[1]));
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

    private FlowDefinition write(UUID flowId, Change change) throws FlowStoreException {
        writeLock.lock();
        EntityManager em = factory.createEntityManager();
        EntityTransaction tx = em.getTransaction();
        try {
            tx.begin();
            FlowEntity existing = em.find(FlowEntity.class, flowId.toString());
            FlowDefinition current = existing == null ? null : toDefinition(existing);
            FlowDefinition changed = change.apply(current);
            if (changed.equals(current)) {
                tx.rollback();
                return current;
            }
            FlowGraph.of(changed);
            checkIdsFree(em, changed);
            long stamp = nextStamp(em);
            if (existing != null) {
                em.remove(existing);
                em.flush();
            }
            FlowDefinition stored = changed.toBuilder().lastUpdated(fromNanos(stamp)).build();
            em.persist(toEntity(stored, stamp));
            tx.commit();
            writes.incrementAndGet();
            cache.invalidate(flowId);
            return stored;
        } catch (PersistenceException | IllegalStateException e) {
            throw new FlowStoreException("cannot save flow " + flowId + ": " + e.getMessage(), e);
        } finally {
            if (tx.isActive()) {
                tx.rollback();
            }
            em.close();
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
        long now = toNanos(Instant.now());
        return max == null ? now : Math.max(now, max + 1);
    }

    // ------------------------------------------------------------------ mapping

    private static FlowEntity toEntity(FlowDefinition flow, long stamp) throws InvalidFlowException {
        FlowEntity entity = new FlowEntity();
        entity.id = flow.id().toString();
        entity.name = flow.name();
        entity.description = flow.description();
        entity.active = flow.active();
        entity.lastUpdated = stamp;
        int position = 0;
        for (ProcessorDefinition p : flow.processors()) {
            ProcessorEntity e = new ProcessorEntity();
            e.id = p.id().toString();
            e.flow = entity;
            e.position = position++;
            e.name = p.name();
            e.type = p.type();
            e.configJson = json(flow, p.name(), p.config());
            e.maxRetries = p.maxRetries();
            e.backoffSeconds = p.backoffSeconds();
            e.logLevel = p.logLevel().text();
            e.enabled = p.enabled();
            e.nextIds = String.join(",", p.nextProcessorIds().stream().map(UUID::toString).toList());
            entity.processors.add(e);
        }
        position = 0;
        for (TriggerDefinition t : flow.triggers()) {
            TriggerEntity e = new TriggerEntity();
            e.id = t.id().toString();
            e.flow = entity;
            e.position = position++;
            e.name = t.name();
            e.type = t.type();
            e.configJson = json(flow, t.name(), t.config());
            e.cronExpression = t.cronExpression();
            e.singleNode = t.singleNode();
            e.enabled = t.enabled();
            e.logLevel = t.logLevel().text();
            entity.triggers.add(e);
        }
        return entity;
    }

    private static String json(FlowDefinition flow, String owner, Map<String, Object> config) throws InvalidFlowException {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new InvalidFlowException(flow.name(), List.of("'" + owner + "': configuration cannot be written as JSON: "
                    + e.getOriginalMessage()));
        }
    }

    private static FlowDefinition toDefinition(FlowEntity entity) {
        FlowDefinition.Builder flow = FlowDefinition.builder().id(UUID.fromString(entity.id)).name(entity.name)
                .description(entity.description).active(entity.active).lastUpdated(fromNanos(entity.lastUpdated));
        for (ProcessorEntity p : entity.processors) {
            flow.processor(ProcessorDefinition.builder().id(UUID.fromString(p.id)).name(p.name).type(p.type)
                    .config(config(p.configJson, p.id)).maxRetries(p.maxRetries).backoffSeconds(p.backoffSeconds)
                    .logLevel(LogLevel.parse(p.logLevel)).enabled(p.enabled)
                    .nextProcessorIds(p.nextIds.isEmpty() ? List.of()
                            : Arrays.stream(p.nextIds.split(",")).map(UUID::fromString).toList())
                    .build());
        }
        for (TriggerEntity t : entity.triggers) {
            flow.trigger(TriggerDefinition.builder().id(UUID.fromString(t.id)).name(t.name).type(t.type)
                    .config(config(t.configJson, t.id)).cronExpression(t.cronExpression).singleNode(t.singleNode)
                    .enabled(t.enabled).logLevel(LogLevel.parse(t.logLevel)).build());
        }
        return flow.build();
    }

    private static Map<String, Object> config(String json, String owner) {
        try {
            return JSON.readValue(json, CONFIG);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored configuration of " + owner + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static long toNanos(Instant instant) {
        if (instant.isBefore(Instant.EPOCH)) {
            return Long.MIN_VALUE;
        }
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static Instant fromNanos(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    // ------------------------------------------------------------------ plumbing

    /**
     * Reads one flow with its processors and triggers as of one committed version. The database
     * reads at "read committed", so the rows may come from two saves; every save changes the flow's
     * stamp, so a read whose stamp changed meanwhile is repeated.
     *
     * @return null if the flow is not stored
     */
    private static FlowDefinition loadConsistent(EntityManager em, UUID flowId) {
        while (true) {
            em.clear();
            FlowEntity entity = em.find(FlowEntity.class, flowId.toString());
            if (entity == null) {
                return null;
            }
            FlowDefinition definition = toDefinition(entity);
            List<Long> stamp = em.createQuery("select f.lastUpdated from FlowEntity f where f.id = :id", Long.class)
                    .setParameter("id", flowId.toString()).getResultList();
            if (stamp.size() == 1 && stamp.get(0) == entity.lastUpdated) {
                return definition;
            }
        }
    }

    private static Map<UUID, Long> stamps(EntityManager em, List<UUID> flowIds) {
        Map<UUID, Long> stamps = new java.util.HashMap<>();
        if (flowIds.isEmpty()) {
            return stamps;
        }
        for (Object[] row : em.createQuery("select f.id, f.lastUpdated from FlowEntity f where f.id in :ids", Object[].class)
                .setParameter("ids", flowIds.stream().map(UUID::toString).toList()).getResultList()) {
            stamps.put(UUID.fromString((String) row[0]), (Long) row[1]);
        }
        return stamps;
    }

    /** A read in a transaction of its own. */
    private <T> T read(Function<EntityManager, T> work) throws FlowStoreException {
        try {
            return inTransaction(work);
        } catch (PersistenceException | IllegalStateException e) {
            throw new FlowStoreException("cannot read the flow store: " + e.getMessage(), e);
        }
    }

    private <T> T inTransaction(Function<EntityManager, T> work) {
        EntityManager em = factory.createEntityManager();
        EntityTransaction tx = em.getTransaction();
        try {
            tx.begin();
            T result = work.apply(em);
            tx.commit();
            return result;
        } finally {
            if (tx.isActive()) {
                tx.rollback();
            }
            em.close();
        }
    }
}
