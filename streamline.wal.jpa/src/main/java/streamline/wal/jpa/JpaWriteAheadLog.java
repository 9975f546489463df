package streamline.wal.jpa;

import java.net.URL;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import javax.sql.DataSource;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

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
 * <p>Group commit: appenders make their entries into rows (refusing, alone, what cannot be stored
 * whole: {@link EntryRows}), queue them and take one lock; whoever holds it inserts every queued
 * entry in one transaction, so concurrent appenders share commits. An append returns once the
 * transaction holding its entries committed, and throws if it did not: every append taken off the
 * queue ends written or failed, whatever a commit throws. A background task (owned by the log,
 * stopped on close) deletes the entries of finished sessions ({@link WalCompaction}), so the table
 * holds the live state plus what finished since the last compaction.
 *
 * <p>A session is live from its first entry after its last {@code SESSION_FINISHED}: one started again
 * after its end (handed back into this log) is live, with the entries it has since.
 */
public final class JpaWriteAheadLog implements WriteAheadLog, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(JpaWriteAheadLog.class);
    /** SQL state of a duplicate key (SQL standard; Derby, H2, PostgreSQL). */
    private static final String DUPLICATE_KEY = "23505";
    /** How often a read the database rolled back (a deadlock victim) is tried. */
    private static final int READ_ATTEMPTS = 3;

    private final Transactions transactions;
    private final WalCompaction compaction;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<PendingAppend> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService compactor;
    /**
     * Used only under the write lock: one entity manager holding one connection for the log's life,
     * since a plain DataSource would open a new connection for every transaction.
     */
    private final EntityManager writer;
    /**
     * The highest sequence written as far as this log knows; written under the write lock. Rows above it
     * may be those of a commit in doubt (landed, reported failed): compaction, which reads it without the
     * lock, leaves them alone until the log has looked at them.
     */
    private volatile long lastSequence;
    private volatile boolean closed;

    /** One append's rows and, once written, its outcome; fields set under the write lock. */
    private static final class PendingAppend {
        final WalEntryEntity[] rows;
        boolean done;
        long lastSequence;
        WriteAheadLogException error;

        PendingAppend(WalEntryEntity[] rows) {
            this.rows = rows;
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
        // their column gets it (nullable, empty); the sequence table is made where it is missing
        return CodePersistenceUnit.createFactory("streamline.wal.jpa", List.of(WalEntryEntity.class, WalSequenceEntity.class),
                dataSource, poolSize, root, targetDatabase, Map.of("eclipselink.jdbc.batch-writing", "JDBC"),
                List.of("SL_WAL_ENTRY.OVERFLOW_JSON"));
    }

    public JpaWriteAheadLog(EntityManagerFactory factory, Duration compactionInterval) {
        this.transactions = new Transactions(factory);
        this.compaction = new WalCompaction(transactions);
        lastSequence = transactions.required(em -> {
            WalSequenceEntity mark = em.find(WalSequenceEntity.class, WalSequenceEntity.ID);
            if (mark == null) {
                mark = new WalSequenceEntity();
                mark.id = WalSequenceEntity.ID;
                em.persist(mark);
            }
            return Math.max(mark.lastSequence, maxSequence(em));
        });
        writer = factory.createEntityManager(Map.of("eclipselink.jdbc.exclusive-connection.mode", "Always"));
        compactor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streamline-wal-jpa-compaction");
            t.setDaemon(true);
            return t;
        });
        long ms = compactionInterval.toMillis();
        compactor.scheduleWithFixedDelay(this::compactQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    private static long maxSequence(EntityManager em) {
        Long max = em.createQuery("select max(e.sequence) from WalEntryEntity e", Long.class).getSingleResult();
        return max == null ? 0 : max;
    }

    @Override
    public long append(LogEntry entry) throws WriteAheadLogException {
        return write(List.of(entry));
    }

    /** Every append commits its transaction before it returns: an entry appended is durable. */
    @Override
    public CompletionStage<Void> whenDurable(long sequence) {
        return CompletableFuture.completedStage(null);
    }

    @Override
    public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("nothing to append");
        }
        return write(entries);
    }

    private long write(List<LogEntry> entries) throws WriteAheadLogException {
        if (closed) {
            throw new WriteAheadLogException("the JPA write-ahead log is closed");
        }
        PendingAppend mine = new PendingAppend(EntryRows.toRows(entries));
        pending.add(mine);
        writeLock.lock();
        try {
            if (!mine.done) {
                commitQueued();
            }
        } finally {
            writeLock.unlock();
        }
        if (!mine.done) {
            // every append taken off the queue is ended below; this one never was: never acknowledge it
            throw new WriteAheadLogException("an append to the JPA write-ahead log was neither written nor failed");
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
     * Whatever is thrown, each append taken off the queue ends done, written or failed.
     */
    private void commitQueued() {
        List<PendingAppend> batch = new ArrayList<>();
        for (PendingAppend next; (next = pending.poll()) != null; ) {
            batch.add(next);
        }
        try {
            if (closed) {
                fail(batch, new WriteAheadLogException("the JPA write-ahead log is closed"));
                return;
            }
            WriteAheadLogException failure = commitOrResync(batch);
            if (failure == null) {
                return;
            }
            if (batch.size() == 1) {
                fail(batch, failure);
                return;
            }
            for (PendingAppend append : batch) {
                WriteAheadLogException alone = commitOrResync(List.of(append));
                if (alone != null) {
                    fail(List.of(append), alone);
                }
            }
        } catch (Throwable e) {
            // an Error (out of memory, stack overflow) or an exception no catch lists: the appends not yet ended fail
            fail(batch, new WriteAheadLogException("cannot commit to the write-ahead log table: " + e, e));
        }
    }

    /**
     * Commits the batch; after a failure, resynchronises the sequence with the table: if the batch landed
     * although its commit was reported failed, it is done; if another writer took the sequences (a duplicate
     * key), it is tried once more above them.
     *
     * @return the failure, or null if the batch is written
     */
    private WriteAheadLogException commitOrResync(List<PendingAppend> batch) {
        WriteAheadLogException failure = null;
        for (int attempt = 1; attempt <= 2; attempt++) {
            failure = commit(batch);
            if (failure == null) {
                return null;
            }
            long before = lastSequence;
            if (landed(batch)) {
                LOG.warn("a commit to the write-ahead log table was reported failed but had landed; its appends are done: {}",
                        failure.getMessage());
                return null;
            }
            if (!isDuplicateKey(failure) || lastSequence == before) {
                return failure;
            }
            LOG.warn("sequences {} and on are taken in the write-ahead log table (another writer?); going on from {}",
                    before + 1, lastSequence + 1);
        }
        return failure;
    }

    /** Inserts the appends in one transaction and marks them done; the error if it failed (nothing committed). */
    private WriteAheadLogException commit(List<PendingAppend> batch) {
        try {
            long sequence = Transactions.inTransaction(writer, em -> {
                long next = lastSequence;
                for (PendingAppend append : batch) {
                    for (WalEntryEntity row : append.rows) {
                        em.persist(row.withSequence(++next));
                    }
                    append.lastSequence = next;
                }
                return next;
            });
            lastSequence = sequence;
            batch.forEach(append -> append.done = true);
            return null;
        } catch (PersistenceException | IllegalStateException e) {
            String message = "cannot commit " + (batch.size() == 1 ? "an append" : batch.size() + " appends")
                    + " to the write-ahead log table: " + e.getMessage();
            // alone, an append the database refuses for its values is refused for good: no retry can succeed
            return batch.size() == 1 && refusesValues(e) ? new EntryRejectedException(message, e) : new WriteAheadLogException(message, e);
        } finally {
            writer.clear();
        }
    }

    /**
     * After a failed commit: reads the table's highest sequence and, if it moved past {@link #lastSequence},
     * whether the rows just above it are the batch's (a commit that landed although it was reported failed),
     * marking the batch done if so. Otherwise {@link #lastSequence} moves to the table's highest, so the
     * next commit does not collide again. A failure to read leaves everything as it was.
     *
     * @return whether the batch landed
     */
    private boolean landed(List<PendingAppend> batch) {
        try {
            long from = lastSequence;
            int size = 0;
            for (PendingAppend append : batch) {
                size += append.rows.length;
            }
            int count = size;
            return transactions.statements(em -> {
                long max = maxSequence(em);
                if (max <= from) {
                    return false;
                }
                List<WalEntryEntity> above = em.createQuery("select e from WalEntryEntity e where e.sequence > :from"
                        + " and e.sequence <= :to order by e.sequence", WalEntryEntity.class)
                        .setParameter("from", from).setParameter("to", from + count).getResultList();
                boolean same = above.size() == count;
                int i = 0;
                for (PendingAppend append : batch) {
                    for (WalEntryEntity row : append.rows) {
                        same = same && above.get(i).sequence == from + i + 1 && EntryRows.sameEntry(above.get(i), row);
                        i++;
                    }
                }
                if (same) {
                    long next = from;
                    for (PendingAppend append : batch) {
                        next += append.rows.length;
                        append.lastSequence = next;
                        append.done = true;
                    }
                    // not the table's highest: the rows above may be the rest of a group in doubt, each of its
                    // appends then tried alone, which must collide with its own rows to find them landed
                    lastSequence = next;
                } else {
                    lastSequence = max;
                }
                return same;
            });
        } catch (PersistenceException | IllegalStateException e) {
            LOG.warn("cannot read the write-ahead log table's highest sequence after a failed commit: {}", e.getMessage());
            return false;
        }
    }

    private static boolean isDuplicateKey(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && DUPLICATE_KEY.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
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
                if (state.startsWith("22") || (state.startsWith("23") && !state.equals(DUPLICATE_KEY))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Fails the appends of the batch not yet done. */
    private static void fail(List<PendingAppend> batch, WriteAheadLogException error) {
        for (PendingAppend append : batch) {
            if (!append.done) {
                append.error = error;
                append.done = true;
            }
        }
    }

    @Override
    public List<LogEntry> entries() throws WriteAheadLogException {
        return query("select e from WalEntryEntity e order by e.sequence");
    }

    @Override
    public List<LogEntry> liveEntries() throws WriteAheadLogException {
        // an entry is live unless an end of its session comes at or after it: a session started again is live. Under
        // read committed the query is no snapshot: compaction may delete a finished session's entry and end while it
        // runs, after it took the entry and before it looked for the end. So the ends are read first: an end committed
        // before the read began is among them, unless compaction had deleted it already, and its session's entries with it
        return read(em -> {
            Map<String, Long> lastEnds = new HashMap<>();
            for (Object[] end : em.createQuery("select f.sessionId, f.sequence from WalEntryEntity f where f.kind = 'SESSION_FINISHED'",
                    Object[].class).getResultList()) {
                lastEnds.merge((String) end[0], ((Number) end[1]).longValue(), Math::max);
            }
            List<LogEntry> live = new ArrayList<>();
            for (LogEntry entry : entries(em, "select e from WalEntryEntity e where not exists (select f from WalEntryEntity f where"
                    + " f.sessionId = e.sessionId and f.kind = 'SESSION_FINISHED' and f.sequence >= e.sequence) order by e.sequence")) {
                Long lastEnd = lastEnds.get(entry.sessionId().toString());
                if (lastEnd == null || lastEnd < entry.sequence()) {
                    live.add(entry);
                }
            }
            return live;
        });
    }

    private List<LogEntry> query(String jpql) throws WriteAheadLogException {
        return read(em -> entries(em, jpql));
    }

    private static List<LogEntry> entries(EntityManager em, String jpql) {
        List<LogEntry> entries = new ArrayList<>();
        for (WalEntryEntity e : em.createQuery(jpql, WalEntryEntity.class).getResultList()) {
            entries.add(EntryRows.toEntry(e));
        }
        return entries;
    }

    /** Reads in one transaction, again if the database rolled it back (a deadlock victim). */
    private <T> T read(Function<EntityManager, T> reading) throws WriteAheadLogException {
        if (closed) {
            throw new WriteAheadLogException("the JPA write-ahead log is closed");
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return transactions.required(reading::apply);
            } catch (PersistenceException | IllegalStateException e) {
                // a read the database rolled back to break a deadlock (with compaction's deletes) read nothing wrong:
                // it is read again; anything else, or a deadlock every time, is the caller's failure
                if (attempt < READ_ATTEMPTS && isRolledBackByTheDatabase(e)) {
                    LOG.debug("a read of the write-ahead log table was rolled back by the database (attempt {}); reading again",
                            attempt, e);
                    continue;
                }
                throw new WriteAheadLogException("cannot read the write-ahead log table: " + e.getMessage(), e);
            }
        }
    }

    /** Whether the database rolled the transaction back itself: SQL state class 40 (a deadlock victim, a serialization failure). */
    private static boolean isRolledBackByTheDatabase(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransactionRollbackException
                    || t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("40")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Deletes the entries of finished sessions up to their last end; returns how many. The log runs it
     * periodically; public for benchmarks.
     */
    public int compact() {
        return compaction.compact(lastSequence);
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
}
