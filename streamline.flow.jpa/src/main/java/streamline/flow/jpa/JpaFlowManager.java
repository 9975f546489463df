package streamline.flow.jpa;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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

    static final int SCHEMA_VERSION = 2;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> CONFIG = new TypeReference<>() { };

    private final EntityManagerFactory factory;
    /** null when the cache size is 0 */
    private final Cache<UUID, FlowDefinition> cache;
    /** Counts committed writes; a load that overlapped one is not cached. */
    private final AtomicLong writes = new AtomicLong();
    private final ReentrantLock writeLock = new ReentrantLock();

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
        this.factory = factory;
        // maintenance (eviction, expiry) on the calling thread: no hand-off to a pool on the read path
        Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(cacheSize).executor(Runnable::run);
        // expiry costs a clock read on every hit: only when asked for (another process writes the tables)
        this.cache = cacheSize == 0 ? null : (cacheExpiry.isZero() ? builder : builder.expireAfterWrite(cacheExpiry)).build();
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
            } else if (version.version == 1) {
                migrateFrom1(em);
                version.version = SCHEMA_VERSION;
            }
            return null;
        });
    }

    /**
     * Version 2 stamps processor and trigger rows with their flow's stamp and counts them on the
     * flow's row, so that a read needs no second look at the flow, and indexes them in their order.
     * Plain SQL that Derby, H2 and PostgreSQL all take; existing rows get the stamp and counts of
     * what is stored.
     */
    private static void migrateFrom1(EntityManager em) {
        for (String statement : List.of(
                "ALTER TABLE SL_FLOW ADD COLUMN PROCESSOR_COUNT INTEGER DEFAULT 0 NOT NULL",
                "ALTER TABLE SL_FLOW ADD COLUMN TRIGGER_COUNT INTEGER DEFAULT 0 NOT NULL",
                "ALTER TABLE SL_PROCESSOR ADD COLUMN FLOW_STAMP BIGINT DEFAULT 0 NOT NULL",
                "ALTER TABLE SL_TRIGGER ADD COLUMN FLOW_STAMP BIGINT DEFAULT 0 NOT NULL",
                "CREATE INDEX SL_PROCESSOR_FLOW ON SL_PROCESSOR (FLOW_ID, POSITION)",
                "CREATE INDEX SL_TRIGGER_FLOW ON SL_TRIGGER (FLOW_ID, POSITION)",
                "UPDATE SL_FLOW SET PROCESSOR_COUNT = (SELECT COUNT(*) FROM SL_PROCESSOR P WHERE P.FLOW_ID = SL_FLOW.ID),"
                        + " TRIGGER_COUNT = (SELECT COUNT(*) FROM SL_TRIGGER T WHERE T.FLOW_ID = SL_FLOW.ID)",
                "UPDATE SL_PROCESSOR SET FLOW_STAMP = (SELECT F.LAST_UPDATED FROM SL_FLOW F WHERE F.ID = SL_PROCESSOR.FLOW_ID)",
                "UPDATE SL_TRIGGER SET FLOW_STAMP = (SELECT F.LAST_UPDATED FROM SL_FLOW F WHERE F.ID = SL_TRIGGER.FLOW_ID)")) {
            em.createNativeQuery(statement).executeUpdate();
        }
    }

    // ------------------------------------------------------------------ reads

    @Override
    public FlowDefinition flow(UUID flowId) throws FlowStoreException {
        FlowDefinition cached = cache == null ? null : cache.getIfPresent(flowId);
        if (cached != null) {
            return cached;
        }
        long before = writes.get();
        FlowDefinition loaded = readStatements(em -> loadConsistent(em, flowId));
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
            // the page's processors and triggers in one statement each, not two per flow
            Map<String, List<ProcessorEntity>> processors = byFlow(em, "processorsOfFlows", ProcessorEntity.class, entities,
                    entities.stream().anyMatch(e -> e.processorCount > 0), p -> p.flow.id);
            Map<String, List<TriggerEntity>> triggers = byFlow(em, "triggersOfFlows", TriggerEntity.class, entities,
                    entities.stream().anyMatch(e -> e.triggerCount > 0), t -> t.flow.id);
            // a flow saved while this page was read is read again, after the page (a read clears the context)
            List<Object> itemsOrIds = new ArrayList<>(entities.size());
            for (FlowEntity e : entities) {
                List<ProcessorEntity> ps = processors.getOrDefault(e.id, List.of());
                List<TriggerEntity> ts = triggers.getOrDefault(e.id, List.of());
                itemsOrIds.add(oneVersion(e, ps, ts) ? toDefinition(e, ps, ts) : UUID.fromString(e.id));
            }
            List<FlowDefinition> consistent = new ArrayList<>(entities.size());
            for (Object item : itemsOrIds) {
                FlowDefinition flow = item instanceof UUID id ? loadConsistent(em, id) : (FlowDefinition) item;
                if (flow != null) {
                    consistent.add(flow);
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
            FlowDefinition current = existing == null ? null : toDefinition(existing, existing.processors, existing.triggers);
            FlowDefinition changed = change.apply(current);
            if (changed.equals(current)) {
                tx.rollback();
                return current;
            }
            FlowGraph.of(changed);
            checkFitsColumns(changed);
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
            if (cache != null) {
                cache.invalidate(flowId);
            }
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

    /** Text longer than its column is refused with the flow, saying where, rather than failing in the database. */
    private static void checkFitsColumns(FlowDefinition flow) throws InvalidFlowException {
        List<String> problems = new ArrayList<>();
        fits(problems, "the flow's name", flow.name(), FlowEntity.NAME_LENGTH);
        fits(problems, "the flow's description", flow.description(), FlowEntity.DESCRIPTION_LENGTH);
        for (ProcessorDefinition p : flow.processors()) {
            fits(problems, "the name of processor " + p.id(), p.name(), FlowEntity.NAME_LENGTH);
            fits(problems, "the type of processor '" + p.name() + "'", p.type(), FlowEntity.NAME_LENGTH);
        }
        for (TriggerDefinition t : flow.triggers()) {
            fits(problems, "the name of trigger " + t.id(), t.name(), FlowEntity.NAME_LENGTH);
            fits(problems, "the type of trigger '" + t.name() + "'", t.type(), FlowEntity.NAME_LENGTH);
            fits(problems, "the cron expression of trigger '" + t.name() + "'", t.cronExpression(), FlowEntity.NAME_LENGTH);
        }
        if (!problems.isEmpty()) {
            throw new InvalidFlowException(flow.name().length() > 80 ? flow.name().substring(0, 80) + "…" : flow.name(), problems);
        }
    }

    private static void fits(List<String> problems, String what, String value, int length) {
        if (value != null && value.length() > length) {
            problems.add(what + " has " + value.length() + " characters; this store keeps at most " + length);
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
        entity.processorCount = flow.processors().size();
        entity.triggerCount = flow.triggers().size();
        int position = 0;
        for (ProcessorDefinition p : flow.processors()) {
            ProcessorEntity e = new ProcessorEntity();
            e.id = p.id().toString();
            e.flow = entity;
            e.flowStamp = stamp;
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
            e.flowStamp = stamp;
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

    private static FlowDefinition toDefinition(FlowEntity entity, List<ProcessorEntity> processors,
            List<TriggerEntity> triggers) {
        FlowDefinition.Builder flow = FlowDefinition.builder().id(UUID.fromString(entity.id)).name(entity.name)
                .description(entity.description).active(entity.active).lastUpdated(fromNanos(entity.lastUpdated));
        for (ProcessorEntity p : processors) {
            flow.processor(ProcessorDefinition.builder().id(UUID.fromString(p.id)).name(p.name).type(p.type)
                    .config(config(p.configJson, p.id)).maxRetries(p.maxRetries).backoffSeconds(p.backoffSeconds)
                    .logLevel(LogLevel.parse(p.logLevel)).enabled(p.enabled)
                    .nextProcessorIds(p.nextIds.isEmpty() ? List.of()
                            : Arrays.stream(p.nextIds.split(",")).map(UUID::fromString).toList())
                    .build());
        }
        for (TriggerEntity t : triggers) {
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
     * reads at "read committed", so the rows may come from two saves. Every save stamps all of a
     * flow's rows with a stamp no other save uses and counts its processors and triggers on the
     * flow's row: child rows that all carry the flow row's stamp, as many as it counts, are exactly
     * that version's. Otherwise a save came between the statements, and the read is repeated. A
     * version without processors or triggers needs no statement for them.
     *
     * @return null if the flow is not stored
     */
    private FlowDefinition loadConsistent(EntityManager em, UUID flowId) {
        String id = flowId.toString();
        for (int attempt = 1; attempt <= 3; attempt++) {
            StoredRows rows = StoredRows.read(em, id);
            if (rows == null) {
                return null;
            }
            if (rows.oneVersion()) {
                return rows.definition();
            }
        }
        // saves keep coming between the statements, or the rows disagree: once more with this store's saves held off
        writeLock.lock();
        try {
            StoredRows rows = StoredRows.read(em, id);
            if (rows == null) {
                return null;
            }
            if (rows.oneVersion()) {
                return rows.definition();
            }
            throw new IllegalStateException("flow " + flowId + " is stored inconsistently: " + rows.disagreement()
                    + " (was the database changed by something else than the flow store?)");
        } finally {
            writeLock.unlock();
        }
    }

    /** One look at a flow's rows; they may be of two versions. */
    private record StoredRows(FlowEntity flow, List<ProcessorEntity> processors, List<TriggerEntity> triggers) {

        /** @return null if the flow is not stored */
        static StoredRows read(EntityManager em, String id) {
            em.clear();
            FlowEntity flow = em.find(FlowEntity.class, id);
            if (flow == null) {
                return null;
            }
            return new StoredRows(flow, flow.processorCount == 0 ? List.of()
                    : em.createNamedQuery("processorsOfFlow", ProcessorEntity.class).setParameter("flow", id).getResultList(),
                    flow.triggerCount == 0 ? List.of()
                    : em.createNamedQuery("triggersOfFlow", TriggerEntity.class).setParameter("flow", id).getResultList());
        }

        boolean oneVersion() {
            return JpaFlowManager.oneVersion(flow, processors, triggers);
        }

        FlowDefinition definition() {
            return toDefinition(flow, processors, triggers);
        }

        String disagreement() {
            long processorsOfVersion = processors.stream().filter(p -> p.flowStamp == flow.lastUpdated).count();
            long triggersOfVersion = triggers.stream().filter(t -> t.flowStamp == flow.lastUpdated).count();
            return "its row counts " + flow.processorCount + " processors and " + flow.triggerCount
                    + " triggers of version " + flow.lastUpdated + ", the tables hold " + processorsOfVersion + " and "
                    + triggersOfVersion + " of that version and " + (processors.size() - processorsOfVersion) + " and "
                    + (triggers.size() - triggersOfVersion) + " of others";
        }
    }

    /** Whether the rows are all of the flow row's version, and all of them. */
    private static boolean oneVersion(FlowEntity flow, List<ProcessorEntity> processors, List<TriggerEntity> triggers) {
        if (processors.size() != flow.processorCount || triggers.size() != flow.triggerCount) {
            return false;
        }
        for (ProcessorEntity p : processors) {
            if (p.flowStamp != flow.lastUpdated) {
                return false;
            }
        }
        for (TriggerEntity t : triggers) {
            if (t.flowStamp != flow.lastUpdated) {
                return false;
            }
        }
        return true;
    }

    /** A read in a transaction of its own. */
    private <T> T read(Function<EntityManager, T> work) throws FlowStoreException {
        try {
            return inTransaction(work);
        } catch (PersistenceException | IllegalStateException e) {
            throw new FlowStoreException("cannot read the flow store: " + e.getMessage(), e);
        }
    }

    /**
     * Reads whose statements each commit on their own (no transaction around them): for work that
     * checks its own consistency, and saves the transaction's round trips.
     */
    private <T> T readStatements(Function<EntityManager, T> work) throws FlowStoreException {
        EntityManager em = factory.createEntityManager();
        try {
            return work.apply(em);
        } catch (PersistenceException | IllegalStateException e) {
            throw new FlowStoreException("cannot read the flow store: " + e.getMessage(), e);
        } finally {
            em.close();
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
