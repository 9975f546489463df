package streamline.wal.jpa;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;

import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.jpa.support.Transactions;

/**
 * A write-ahead log in a database table.
 *
 * <p>Group commit: appenders queue their entries and take one lock; whoever holds it inserts every
 * queued entry in one transaction, so concurrent appenders share commits. An append returns once
 * the transaction holding its entries committed, and throws if it did not. A background task (owned
 * by the log, stopped on close) deletes the entries of finished sessions, so the table holds the
 * live state plus what finished since the last compaction. A session's entries after its last end (a session
 * handed to another log and back) are live, and kept.
 */
public final class JpaWriteAheadLog implements WriteAheadLog, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(JpaWriteAheadLog.class);

    private final Transactions transactions;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<PendingAppend> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService compactor;
    /**
     * Used only under the write lock: one entity manager holding one connection for the log's life,
     * since a plain DataSource would open a new connection for every transaction.
     */
    private final EntityManager writer;
    private long lastSequence;
    private volatile boolean closed;

    /** One append's entries and, once written, its outcome; fields set under the write lock. */
    private static final class PendingAppend {
        final List<LogEntry> entries;
        boolean done;
        long lastSequence;
        WriteAheadLogException error;

        PendingAppend(List<LogEntry> entries) {
            this.entries = entries;
        }
    }

    /** The log's EntityManagerFactory on a data source; {@code root} is the persistence unit's root. */
    public static EntityManagerFactory createFactory(DataSource dataSource, int poolSize, URL root) {
        return createFactory(dataSource, poolSize, root, CodePersistenceUnit.DERBY);
    }

    /** @param targetDatabase the EclipseLink platform, or {@code null} to detect it */
    public static EntityManagerFactory createFactory(DataSource dataSource, int poolSize, URL root,
            String targetDatabase) {
        // a group commit's inserts go to the database as one JDBC batch; a table from before long texts had
        // their column gets it (nullable, empty)
        return CodePersistenceUnit.createFactory("streamline.wal.jpa", List.of(WalEntryEntity.class), dataSource, poolSize,
                root, targetDatabase, Map.of("eclipselink.jdbc.batch-writing", "JDBC"), List.of("SL_WAL_ENTRY.OVERFLOW_JSON"));
    }

    public JpaWriteAheadLog(EntityManagerFactory factory, Duration compactionInterval) {
        this.transactions = new Transactions(factory);
        Long max = transactions.statements(em -> em.createQuery("select max(e.sequence) from WalEntryEntity e", Long.class)
                .getSingleResult());
        lastSequence = max == null ? 0 : max;
        writer = factory.createEntityManager(Map.of("eclipselink.jdbc.exclusive-connection.mode", "Always"));
        compactor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streamline-wal-jpa-compaction");
            t.setDaemon(true);
            return t;
        });
        long ms = compactionInterval.toMillis();
        compactor.scheduleWithFixedDelay(this::compactQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public long append(LogEntry entry) throws WriteAheadLogException {
        return write(List.of(entry));
    }

    @Override
    public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("nothing to append");
        }
        return write(entries);
    }

    private long write(List<LogEntry> entries) throws WriteAheadLogException {
        PendingAppend mine = new PendingAppend(entries);
        pending.add(mine);
        writeLock.lock();
        try {
            if (!mine.done) {
                commitQueued();
            }
        } finally {
            writeLock.unlock();
        }
        if (mine.error != null) {
            throw mine.error;
        }
        return mine.lastSequence;
    }

    /**
     * Inserts every queued append in one transaction; the caller holds the write lock. If that fails and
     * the group had several appends, each is tried again alone: an entry the database refuses (a value it
     * cannot store, a constraint) then fails only its own append, not those it happened to be grouped with.
     */
    private void commitQueued() {
        List<PendingAppend> batch = new ArrayList<>();
        for (PendingAppend next; (next = pending.poll()) != null; ) {
            batch.add(next);
        }
        if (closed) {
            fail(batch, new WriteAheadLogException("the JPA write-ahead log is closed"));
            return;
        }
        WriteAheadLogException failure = commit(batch);
        if (failure == null) {
            return;
        }
        if (batch.size() == 1) {
            fail(batch, failure);
            return;
        }
        for (PendingAppend append : batch) {
            WriteAheadLogException alone = commit(List.of(append));
            if (alone != null) {
                fail(List.of(append), alone);
            }
        }
    }

    /** Inserts the appends in one transaction and marks them done; the error if it failed (nothing committed). */
    private WriteAheadLogException commit(List<PendingAppend> batch) {
        try {
            long sequence = Transactions.inTransaction(writer, em -> {
                long next = lastSequence;
                for (PendingAppend append : batch) {
                    for (LogEntry entry : append.entries) {
                        em.persist(toEntity(entry, ++next));
                    }
                    append.lastSequence = next;
                }
                return next;
            });
            lastSequence = sequence;
            batch.forEach(append -> append.done = true);
            return null;
        } catch (PersistenceException | IllegalStateException | JsonProcessingException e) {
            String message = "cannot commit " + (batch.size() == 1 ? "an append" : batch.size() + " appends")
                    + " to the write-ahead log table: " + e.getMessage();
            // alone, an append the database refuses for its values is refused for good: no retry can succeed
            return batch.size() == 1 && refusesValues(e) ? new EntryRejectedException(message, e) : new WriteAheadLogException(message, e);
        } finally {
            writer.clear();
        }
    }

    /**
     * Whether the database refused the values themselves: SQL state class 22 (data exception) or 23
     * (integrity constraint), except a duplicate key, which retrying a commit that was made but reported
     * failed can cause.
     */
    private static boolean refusesValues(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("22") || (state.startsWith("23") && !state.equals("23505"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void fail(List<PendingAppend> batch, WriteAheadLogException error) {
        for (PendingAppend append : batch) {
            append.error = error;
            append.done = true;
        }
    }

    @Override
    public List<LogEntry> entries() throws WriteAheadLogException {
        return query("select e from WalEntryEntity e order by e.sequence");
    }

    @Override
    public List<LogEntry> liveEntries() throws WriteAheadLogException {
        // a session handed to another log is ended here, and when handed back its entries come again under its id:
        // the entries after a session's last end are live, those before it are not
        return query("select e from WalEntryEntity e where e.kind <> 'SESSION_FINISHED' and not exists (select f from"
                + " WalEntryEntity f where f.sessionId = e.sessionId and f.kind = 'SESSION_FINISHED' and f.sequence > e.sequence)"
                + " order by e.sequence");
    }

    private List<LogEntry> query(String jpql) throws WriteAheadLogException {
        if (closed) {
            throw new WriteAheadLogException("the JPA write-ahead log is closed");
        }
        try {
            return transactions.statements(em -> {
                List<LogEntry> entries = new ArrayList<>();
                for (WalEntryEntity e : em.createQuery(jpql, WalEntryEntity.class).getResultList()) {
                    entries.add(toEntry(e));
                }
                return entries;
            });
        } catch (PersistenceException | IllegalStateException e) {
            throw new WriteAheadLogException("cannot read the write-ahead log table: " + e.getMessage(), e);
        }
    }

    /** Deletes the entries of finished sessions up to their last end (a session started again after it stays); returns how many. */
    int compact() {
        return transactions.required(em -> em.createQuery("delete from WalEntryEntity e where exists (select f from"
                + " WalEntryEntity f where f.sessionId = e.sessionId and f.kind = 'SESSION_FINISHED' and f.sequence >= e.sequence)")
                .executeUpdate());
    }

    private void compactQuietly() {
        try {
            int deleted = compact();
            LOG.debug("compaction deleted {} entries of finished sessions", deleted);
        } catch (RuntimeException | Error e) {
            // a periodic task that throws is never run again
            LOG.warn("compaction of the JPA write-ahead log failed; it is tried again later", e);
        }
    }

    /** Idempotent; the factory may already be closed. */
    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (writer.isOpen()) {
                writer.close();
            }
        } finally {
            writeLock.unlock();
        }
        compactor.shutdownNow();
        try {
            compactor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static WalEntryEntity toEntity(LogEntry entry, long sequence) throws JsonProcessingException {
        WalEntryEntity e = new WalEntryEntity();
        e.sequence = sequence;
        e.kind = entry.kind().name();
        e.sessionId = entry.sessionId().toString();
        e.flowId = entry.flowId().toString();
        e.processorId = entry.processorId() == null ? null : entry.processorId().toString();
        Map<String, Object> overflow = new LinkedHashMap<>();
        e.processorName = fitted("processorName", entry.processorName(), WalEntryEntity.PROCESSOR_NAME_LENGTH, overflow);
        e.contentId = fitted("contentId", entry.contentId(), WalEntryEntity.CONTENT_ID_LENGTH, overflow);
        e.metadataJson = TypedJson.write(entry.metadata());
        e.triggerMark = fitted("triggerMark", entry.triggerMark(), WalEntryEntity.TRIGGER_MARK_LENGTH, overflow);
        e.attempt = entry.attempt();
        e.completedSteps = String.join(",", entry.completedSteps().stream().map(UUID::toString).toList());
        e.error = fitted("error", entry.error(), WalEntryEntity.ERROR_LENGTH, overflow);
        e.overflowJson = overflow.isEmpty() ? null : TypedJson.write(overflow);
        return e;
    }

    /** {@code value} if it fits a column of {@code length}; otherwise "", and the value goes to {@code overflow}. */
    private static String fitted(String field, String value, int length, Map<String, Object> overflow) {
        // at most three UTF-8 bytes per char: only a long value needs its bytes counted
        if (value.length() * 3 <= length || value.getBytes(StandardCharsets.UTF_8).length <= length) {
            return value;
        }
        overflow.put(field, value);
        return "";
    }

    private static LogEntry toEntry(WalEntryEntity e) {
        try {
            Map<String, Object> overflow = e.overflowJson == null ? Map.of() : TypedJson.read(e.overflowJson);
            return new LogEntry(e.sequence, LogEntry.Kind.valueOf(e.kind), UUID.fromString(e.sessionId),
                    UUID.fromString(e.flowId), e.processorId == null ? null : UUID.fromString(e.processorId),
                    (String) overflow.getOrDefault("processorName", e.processorName),
                    (String) overflow.getOrDefault("contentId", e.contentId), TypedJson.read(e.metadataJson),
                    (String) overflow.getOrDefault("triggerMark", e.triggerMark), e.attempt,
                    e.completedSteps.isEmpty() ? List.of() : Arrays.stream(e.completedSteps.split(",")).map(UUID::fromString).toList(),
                    (String) overflow.getOrDefault("error", e.error));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("entry " + e.sequence + " has metadata or overflow text that is not valid JSON: " + ex.getOriginalMessage(), ex);
        }
    }
}
