package streamline.wal.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.flow.Values;
import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.testkit.Eventually;
import streamline.testkit.HookedDataSource;
import streamline.testkit.TestDatabases;
import streamline.testkit.WriteAheadLogContract;

/** The JPA log under faults of its database and under load: what its contract test cannot reach. */
class JpaWriteAheadLogFaultsTest {

    @RegisterExtension
    final TestDatabases databases = new TestDatabases();
    private EmbeddedDataSource derby;
    private HookedDataSource hooked;
    private JpaWriteAheadLog log;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final UUID flow = UUID.randomUUID();

    @BeforeEach
    void open() {
        derby = new EmbeddedDataSource();
        derby.setDatabaseName(databases.newName("memory:walfaults"));
        derby.setCreateDatabase("create");
        hooked = new HookedDataSource(derby);
        log = reopen();
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
        log.close();
    }

    private JpaWriteAheadLog reopen() {
        EntityManagerFactory factory = JpaWriteAheadLog.createFactory(hooked, 4, CodePersistenceUnit.codeSource(WalEntryEntity.class));
        databases.opened(factory);
        return new JpaWriteAheadLog(factory, Duration.ofHours(1));
    }

    private JpaWriteAheadLog restart() {
        log.close();
        return log = reopen();
    }

    private LogEntry entry(UUID session) {
        return WriteAheadLogContract.started(session, flow, UUID.randomUUID(), 0, List.of());
    }

    private void sql(String statement) throws SQLException {
        try (Connection connection = derby.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute(statement);
        }
    }

    /**
     * Derby may choose the read of the live entries as the victim of a deadlock with the log's own compaction (its
     * {@code SELECT ... NOT EXISTS} and compaction's {@code DELETE} lock rows in other orders): the read is tried again,
     * not failed (a start or a switch of logs would fail on it).
     */
    @Test
    void aReadOfTheLiveEntriesChosenAsADeadlockVictimIsTriedAgain() throws Exception {
        UUID session = UUID.randomUUID();
        log.append(entry(session));
        hooked.onceBeforeExecute(sql -> sql.startsWith("SELECT") && sql.contains("NOT EXISTS"), sql -> {
            throw new java.sql.SQLTransactionRollbackException("A lock could not be obtained due to a deadlock (injected)", "40001", 30000);
        });
        List<LogEntry> live = log.liveEntries();
        assertFalse(hooked.armed(), "the read met the injected deadlock");
        assertEquals(List.of(session), live.stream().map(LogEntry::sessionId).toList());
    }

    /**
     * A finished session's entries deleted by compaction while the live entries are read: under read committed, the
     * read took the entry, then met the end's row locked by the deleting transaction, and once that committed found no
     * end, so it returned an entry of a session whose end was committed before the read began (a start or a switch of
     * logs would run that session again). Here the deleting transaction takes the end first and the entry after the
     * read passed it, as a compaction's may in another order of its rows.
     */
    @Test
    void anEndDeletedWithItsSessionDuringTheReadOfTheLiveEntriesLeavesTheSessionFinished() throws Exception {
        UUID finished = UUID.randomUUID();
        UUID running = UUID.randomUUID();
        log.append(entry(finished));
        log.recordSessionFinished(finished, flow, "", "");
        log.append(entry(running));
        try (Connection compaction = derby.getConnection(); Connection observer = derby.getConnection()) {
            compaction.setAutoCommit(false);
            try (Statement delete = compaction.createStatement()) {
                delete.executeUpdate("DELETE FROM SL_WAL_ENTRY WHERE SESSION_ID = '" + finished + "' AND KIND = 'SESSION_FINISHED'");
            }
            Future<List<LogEntry>> read = threads.submit(() -> log.liveEntries());
            // the read waits for the end's row, which the compaction's transaction holds
            Eventually.await("the read waits for a lock of the compaction", Duration.ofSeconds(30), () -> waitingLocks(observer) > 0);
            try (Statement delete = compaction.createStatement()) {
                delete.executeUpdate("DELETE FROM SL_WAL_ENTRY WHERE SESSION_ID = '" + finished + "'");
            }
            compaction.commit();
            assertEquals(List.of(running), read.get(30, TimeUnit.SECONDS).stream().map(LogEntry::sessionId).toList(),
                    "only the session without an end is live");
        }
    }

    private static int waitingLocks(Connection observer) {
        try (Statement query = observer.createStatement();
                java.sql.ResultSet waiting = query.executeQuery("SELECT COUNT(*) FROM SYSCS_DIAG.LOCK_TABLE WHERE STATE = 'WAIT'")) {
            waiting.next();
            return waiting.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An {@code Error} out of a group commit (here from the JDBC batch, standing for an out-of-memory or a
     * stack overflow in the driver) fails every append of the group: none is acknowledged without being
     * written, and the log goes on working.
     */
    @Test
    void anErrorInAGroupCommitFailsEveryAppendOfTheGroup() throws Exception {
        CountDownLatch firstInCommit = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        hooked.onceBeforeExecute(sql -> sql.startsWith("INSERT"), sql -> {
            firstInCommit.countDown();
            try {
                releaseFirst.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Future<Long> first = threads.submit(() -> log.append(entry(UUID.randomUUID())));
        assertTrue(firstInCommit.await(30, TimeUnit.SECONDS));
        // while the first commit holds the write lock, three appends queue up: the next commit takes them as one group
        List<LogEntry> grouped = List.of(entry(UUID.randomUUID()), entry(UUID.randomUUID()), entry(UUID.randomUUID()));
        List<Thread> appenders = new ArrayList<>();
        List<Future<Object>> outcomes = new ArrayList<>();
        for (LogEntry e : grouped) {
            CountDownLatch started = new CountDownLatch(1);
            outcomes.add(threads.submit(() -> {
                appenders.add(Thread.currentThread());
                started.countDown();
                try {
                    return log.append(e);
                } catch (WriteAheadLogException | RuntimeException | Error failure) {
                    return failure;
                }
            }));
            assertTrue(started.await(30, TimeUnit.SECONDS));
        }
        Eventually.await("the three appenders wait for the write lock", Duration.ofSeconds(30),
                () -> appenders.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        hooked.onceBeforeExecute(sql -> sql.startsWith("INSERT"), sql -> {
            throw new StackOverflowError("injected into the group commit");
        });
        releaseFirst.countDown();
        first.get(30, TimeUnit.SECONDS);
        List<LogEntry> acknowledged = new ArrayList<>();
        for (int i = 0; i < grouped.size(); i++) {
            Object outcome = outcomes.get(i).get(30, TimeUnit.SECONDS);
            if (outcome instanceof Long) {
                acknowledged.add(grouped.get(i));
            } else {
                assertTrue(outcome instanceof WriteAheadLogException, "an append ends written or failed, not with " + outcome);
            }
        }
        List<LogEntry> stored = log.entries().stream().map(e -> e.withSequence(0)).toList();
        assertTrue(stored.containsAll(acknowledged), "every acknowledged append is written: " + acknowledged.size() + " acknowledged");
        for (LogEntry e : grouped) {
            assertEquals(acknowledged.contains(e), stored.contains(e), "written exactly when acknowledged");
        }
        LogEntry after = entry(UUID.randomUUID());
        long sequence = log.append(after);
        assertEquals(after, log.entries().get(log.entries().size() - 1).withSequence(0));
        assertTrue(sequence > 0);
    }

    /**
     * A commit that landed although it was reported failed (the connection broke after the database
     * committed) is found at the next look: the log does not collide with its own rows from then on, and
     * the landed entries are there once, not twice.
     */
    @Test
    void aCommitThatLandedButWasReportedFailedDoesNotWedgeTheLog() throws Exception {
        LogEntry before = entry(UUID.randomUUID());
        log.append(before);
        LogEntry landed = entry(UUID.randomUUID());
        hooked.onceAfterCommit(sql -> {
            throw new SQLException("connection reset after the commit", "08006");
        });
        boolean acknowledged;
        try {
            log.append(landed);
            acknowledged = true;
        } catch (WriteAheadLogException reportedFailed) {
            acknowledged = false;
        }
        List<LogEntry> later = List.of(entry(UUID.randomUUID()), entry(UUID.randomUUID()));
        for (LogEntry e : later) {
            log.append(e);
        }
        List<LogEntry> stored = restart().entries().stream().map(e -> e.withSequence(0)).toList();
        assertEquals(List.of(before, landed, later.get(0), later.get(1)), stored, "acknowledged: " + acknowledged);
    }

    /**
     * Holds a first commit, queues {@code group} behind it (so the next commit takes them as one group), runs
     * {@code beforeGroup} right after the first commit went through, releases it, and returns each grouped
     * append's outcome: its sequence or what it threw.
     */
    private List<Object> groupCommit(List<List<LogEntry>> group, SQLHook beforeGroup) throws Exception {
        CountDownLatch firstInCommit = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        hooked.onceBeforeExecute(sql -> sql.startsWith("INSERT"), sql -> {
            firstInCommit.countDown();
            try {
                releaseFirst.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Future<Long> first = threads.submit(() -> log.append(entry(UUID.randomUUID())));
        assertTrue(firstInCommit.await(30, TimeUnit.SECONDS));
        List<Thread> appenders = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Future<Object>> outcomes = new ArrayList<>();
        for (List<LogEntry> entries : group) {
            CountDownLatch started = new CountDownLatch(1);
            outcomes.add(threads.submit(() -> {
                appenders.add(Thread.currentThread());
                started.countDown();
                try {
                    return log.appendAll(entries);
                } catch (WriteAheadLogException | RuntimeException | Error failure) {
                    return failure;
                }
            }));
            assertTrue(started.await(30, TimeUnit.SECONDS));
        }
        Eventually.await("the appenders wait for the write lock", Duration.ofSeconds(30),
                () -> appenders.size() == group.size() && appenders.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        hooked.onceAfterCommit(sql -> beforeGroup.run());
        releaseFirst.countDown();
        first.get(30, TimeUnit.SECONDS);
        List<Object> result = new ArrayList<>();
        for (Future<Object> outcome : outcomes) {
            result.add(outcome.get(30, TimeUnit.SECONDS));
        }
        return result;
    }

    /** Work run at a chosen moment of a test, which may throw to fail the statement or commit it runs in. */
    @FunctionalInterface
    private interface SQLHook {
        void run() throws SQLException;
    }

    /** Asserts that each grouped append ended written once or failed, and was written once if acknowledged. */
    private void assertWrittenOnceWhenAcknowledged(List<List<LogEntry>> group, List<Object> outcomes) throws Exception {
        List<LogEntry> stored = restart().entries().stream().map(e -> e.withSequence(0)).toList();
        for (int i = 0; i < group.size(); i++) {
            Object outcome = outcomes.get(i);
            assertTrue(outcome instanceof Long || outcome instanceof WriteAheadLogException, "written or failed, not " + outcome);
            for (LogEntry e : group.get(i)) {
                long copies = stored.stream().filter(e::equals).count();
                if (outcome instanceof Long) {
                    assertEquals(1, copies, "an acknowledged append is written once: append " + i);
                } else {
                    assertTrue(copies <= 1, "a failed append is not written twice: append " + i);
                }
            }
        }
    }

    /**
     * A group commit that landed but was reported failed, when the first look at the table fails too (the
     * connection that broke): the appends of the group, tried again one by one, each find their own rows and
     * none is written twice.
     */
    @Test
    void aGroupThatLandedButWasReportedFailedIsNotWrittenAgainWhenTheFirstLookFails() throws Exception {
        List<List<LogEntry>> group = List.of(List.of(entry(UUID.randomUUID())), List.of(entry(UUID.randomUUID())),
                List.of(entry(UUID.randomUUID())));
        List<Object> outcomes = groupCommit(group, () -> {
            hooked.onceAfterCommit(sql -> {
                hooked.onceBeforeExecute(statement -> statement.toUpperCase().contains("MAX("), statement -> {
                    throw new SQLException("connection reset", "08006");
                });
                throw new SQLException("connection reset after the commit", "08006");
            });
        });
        assertWrittenOnceWhenAcknowledged(group, outcomes);
    }

    /**
     * A compaction that runs while a group commit is in doubt (landed, reported failed) deletes none of its
     * rows: the log finds the group landed instead of writing its appends a second time.
     */
    @Test
    void compactionDuringACommitInDoubtDeletesNoneOfItsRows() throws Exception {
        UUID finished = UUID.randomUUID();
        List<List<LogEntry>> group = List.of(List.of(entry(finished), LogEntry.sessionFinished(finished, flow, "", "")),
                List.of(entry(UUID.randomUUID())));
        List<Object> outcomes = groupCommit(group, () -> {
            hooked.onceAfterCommit(sql -> {
                log.compact();
                throw new SQLException("connection reset after the commit", "08006");
            });
        });
        assertWrittenOnceWhenAcknowledged(group, outcomes);
    }

    /** Sequences another writer took in the table are skipped: the next append goes on above them. */
    @Test
    void sequencesTakenByAnotherWriterAreSkipped() throws Exception {
        long first = log.append(entry(UUID.randomUUID()));
        UUID other = UUID.randomUUID();
        sql("INSERT INTO SL_WAL_ENTRY (SEQ, KIND, SESSION_ID, FLOW_ID, PROCESSOR_ID, PROCESSOR_NAME, CONTENT_ID, METADATA_JSON,"
                + " TRIGGER_MARK, ATTEMPT, COMPLETED_STEPS, ERROR_TEXT) VALUES (" + (first + 1) + ", 'SESSION_FINISHED', '" + other
                + "', '" + flow + "', NULL, '', '', '{\"$map\":{}}', '', 0, '', '')");
        long next = log.append(entry(UUID.randomUUID()));
        assertEquals(first + 2, next);
        assertEquals(first + 3, log.append(entry(UUID.randomUUID())));
        assertEquals(4, log.entries().size());
    }

    /** After compaction emptied the table, a restarted log goes on above the sequences it had handed out. */
    @Test
    void sequencesKeepIncreasingAfterCompactionEmptiedTheTable() throws Exception {
        UUID session = UUID.randomUUID();
        log.append(entry(session));
        long end = log.recordSessionFinished(session, flow, "", "");
        assertEquals(2, log.compact());
        assertEquals(List.of(), log.entries());
        assertTrue(restart().append(entry(UUID.randomUUID())) > end, "sequences go on increasing");
    }

    /** Compaction deletes a session's entries up to its end and keeps those of the session started again after it. */
    @Test
    void compactionKeepsTheEntriesOfASessionStartedAgainAfterItsEnd() throws Exception {
        UUID session = UUID.randomUUID();
        UUID finished = UUID.randomUUID();
        log.append(entry(session));
        log.append(entry(finished));
        log.recordSessionFinished(session, flow, "", "");
        log.recordSessionFinished(finished, flow, "", "");
        LogEntry again = entry(session);
        log.append(again);
        assertEquals(4, log.compact());
        assertEquals(List.of(again), log.entries().stream().map(e -> e.withSequence(0)).toList());
        assertEquals(List.of(again), restart().unfinishedSteps().stream().map(e -> e.withSequence(0)).toList());
    }

    /**
     * Compaction keeps up with a table of 20,000 entries, 2 % of them live, while appends arrive: it ends,
     * and deletes every finished session's entries. (Its speed is measured by the JpaCompaction benchmark;
     * the limit here only stands for "ends": deleting by a subquery Derby evaluated again for every row ran
     * for more than 90 s on such a table.)
     */
    @Test
    void compactionEndsOnALargeTableWhileAppendsArrive() throws Exception {
        List<LogEntry> batch = new ArrayList<>();
        int live = 0;
        for (int i = 0; i < 5_000; i++) {
            UUID session = UUID.randomUUID();
            UUID step = UUID.randomUUID();
            batch.add(WriteAheadLogContract.started(session, flow, step, 0, List.of()));
            batch.add(WriteAheadLogContract.completed(session, flow, step));
            batch.add(WriteAheadLogContract.started(session, flow, UUID.randomUUID(), 0, List.of(step)));
            if (i % 50 == 0) {
                live++;
            } else {
                batch.add(LogEntry.sessionFinished(session, flow, "", ""));
            }
            if (batch.size() >= 1_000) {
                log.appendAll(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            log.appendAll(batch);
        }
        int liveRows = live * 3;
        AtomicBoolean compacting = new AtomicBoolean(true);
        Future<Integer> appending = threads.submit(() -> {
            int appended = 0;
            while (compacting.get()) {
                log.append(entry(UUID.randomUUID()));
                appended++;
            }
            return appended;
        });
        int deleted = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> log.compact());
        compacting.set(false);
        int appended = appending.get(30, TimeUnit.SECONDS);
        assertEquals(20_000 - live - liveRows, deleted);
        assertEquals(liveRows + appended, log.entries().size());
    }

    /**
     * The log's own limits, exactly: JSON nested {@link TypedJson#MAX_DEPTH} levels is kept, one level more
     * is refused; an entry whose JSON is longer than {@link TypedJson#MAX_TEXT} is refused, naming the session.
     */
    @Test
    void anEntryAtTheLogsLimitsIsKeptAndOnePastThemRefused() throws Exception {
        // a map takes two JSON levels ({"$map":{...}}), the metadata itself too: 500 nested maps are 1000 levels
        LogEntry deepest = LogEntry.stepStarted(UUID.randomUUID(), flow, UUID.randomUUID(), "Deep", "", nested(500), "", 0, List.of());
        log.append(deepest);
        LogEntry tooDeep = LogEntry.stepStarted(UUID.randomUUID(), flow, UUID.randomUUID(), "Deep", "", nested(501), "", 0, List.of());
        assertThrows(EntryRejectedException.class, () -> log.append(tooDeep));
        UUID large = UUID.randomUUID();
        LogEntry tooLong = LogEntry.stepStarted(large, flow, UUID.randomUUID(), "Large", "",
                Map.of("t", "x".repeat(TypedJson.MAX_TEXT)), "", 0, List.of());
        EntryRejectedException refused = assertThrows(EntryRejectedException.class, () -> log.append(tooLong));
        assertTrue(refused.getMessage().contains(large.toString()), refused.getMessage());
        assertEquals(List.of(deepest), restart().entries().stream().map(e -> e.withSequence(0)).toList());
    }

    private static Map<String, Object> nested(int depth) {
        // each level frozen as it is made: the entry's own copy then does not recurse through every level
        Map<String, Object> value = Values.immutableMap(Map.of("leaf", 1), "nested metadata");
        for (int i = 1; i < depth; i++) {
            value = Values.immutableMap(Map.of("n", value), "nested metadata");
        }
        return value;
    }
}
