package streamline.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import streamline.api.flow.Values;
import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * What every {@link WriteAheadLog} must do. An implementation's test extends this class and says how
 * to open a log on fresh storage and how to open it again on the same storage (a restart).
 */
public abstract class WriteAheadLogContract {

    protected WriteAheadLog log;

    /** Opens a log on empty storage; called before each test. */
    protected abstract WriteAheadLog openOnNewStorage() throws Exception;

    /** Opens a log again on the storage of the last one, which the caller closed (a restart). */
    protected abstract WriteAheadLog reopen() throws Exception;

    @BeforeEach
    void openLog() throws Exception {
        log = openOnNewStorage();
    }

    @AfterEach
    void closeLog() throws Exception {
        if (log != null) {
            close(log);
        }
    }

    protected final WriteAheadLog restart() throws Exception {
        close(log);
        log = reopen();
        return log;
    }

    /**
     * Closes a log as its owner does (the service interface has no {@code close}: consumers never close
     * a shared log); an implementation under this contract is {@link AutoCloseable}.
     */
    protected static void close(WriteAheadLog log) throws Exception {
        if (!(log instanceof AutoCloseable closeable)) {
            throw new AssertionError(log.getClass().getName() + " must be AutoCloseable for its owner to close it");
        }
        closeable.close();
    }

    /** A step entry with metadata of every supported kind. */
    public static LogEntry started(UUID session, UUID flow, UUID step, int attempt, List<UUID> completed) {
        return LogEntry.stepStarted(session, flow, step, "P" + step.toString().substring(0, 4), "content-" + step,
                Map.of("text", "héllo wörld", "int", 42, "long", 1L << 40, "double", 2.5, "flag", true,
                        "big", new BigInteger("123456789012345678901234567890"), "dec", new BigDecimal("-1.250"),
                        "list", List.of(1, "two", Map.of("three", 3)), "WriteFile.OutputPath", "/out/x"),
                "mark-" + session, attempt, completed);
    }

    public static LogEntry completed(UUID session, UUID flow, UUID step) {
        return LogEntry.stepCompleted(session, flow, step, "P", "out-" + step, Map.of("done", true), "mark-" + session, 0);
    }

    private static List<LogEntry> withoutSequences(List<LogEntry> entries) {
        return entries.stream().map(e -> e.withSequence(0)).toList();
    }

    @Test
    void appendsGetIncreasingSequencesAndReadBackEqual() throws Exception {
        UUID session = UUID.randomUUID();
        UUID flow = UUID.randomUUID();
        UUID a = UUID.randomUUID();
        List<LogEntry> written = List.of(started(session, flow, a, 0, List.of()), completed(session, flow, a),
                LogEntry.sessionFinished(session, flow, "mark", "it failed"));
        long previous = 0;
        for (LogEntry e : written) {
            long sequence = log.append(e);
            assertTrue(sequence > previous, sequence + " after " + previous);
            previous = sequence;
        }
        List<LogEntry> read = log.entries();
        assertEquals(written, withoutSequences(read));
        assertEquals(previous, read.get(read.size() - 1).sequence());
    }

    @Test
    void everyUnfinishedStepOfEveryBranchIsReported() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        UUID root = UUID.randomUUID();
        UUID left = UUID.randomUUID();
        UUID right = UUID.randomUUID();
        log.append(started(session, flow, root, 0, List.of()));
        log.append(completed(session, flow, root));
        LogEntry leftStart = started(session, flow, left, 0, List.of(root));
        LogEntry rightStart = started(session, flow, right, 0, List.of(root));
        log.appendAll(List.of(leftStart, rightStart));
        // two parallel branches: the Go log kept one entry per session and lost one of them
        assertEquals(List.of(leftStart, rightStart), withoutSequences(log.unfinishedSteps()));
        log.append(completed(session, flow, left));
        assertEquals(List.of(rightStart), withoutSequences(log.unfinishedSteps()));
    }

    @Test
    void aRetryReplacesTheEarlierAttempt() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        UUID step = UUID.randomUUID();
        log.append(started(session, flow, step, 0, List.of()));
        LogEntry retry = started(session, flow, step, 1, List.of());
        log.append(retry);
        assertEquals(List.of(retry), withoutSequences(log.unfinishedSteps()));
        assertEquals(1, log.unfinishedSteps().get(0).attempt());
    }

    @Test
    void finishedSessionsAreNeverUnfinishedNorLive() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID done = UUID.randomUUID();
        UUID open = UUID.randomUUID();
        UUID step = UUID.randomUUID();
        log.append(started(done, flow, step, 0, List.of()));
        log.append(started(open, flow, step, 0, List.of()));
        log.recordSessionFinished(done, flow, "mark", "");
        assertEquals(Set.of(open), sessions(log.unfinishedSteps()));
        assertEquals(Set.of(open), sessions(log.liveEntries()));
        restart();
        assertEquals(Set.of(open), sessions(log.unfinishedSteps()));
        assertEquals(Set.of(open), sessions(log.liveEntries()));
    }

    /**
     * A session handed over to another log is ended in this one; handed back (a swap back, or the other log going
     * away), its entries are appended here again under the same id. From then on it is live: its entries after its
     * end are live entries, before and after a restart, and a compaction keeps them.
     */
    @Test
    void aSessionStartedAgainAfterItsEndIsLiveThroughACompaction() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        UUID step = UUID.randomUUID();
        log.append(started(session, flow, step, 0, List.of()));
        log.recordSessionFinished(session, flow, "mark-" + session, ""); // handed over
        List<LogEntry> handedBack = List.of(started(session, flow, step, 0, List.of()));
        log.appendAll(handedBack);
        assertEquals(handedBack, withoutSequences(log.liveEntries()));
        assertEquals(handedBack, withoutSequences(log.unfinishedSteps()));
        compactNow(log);
        assertEquals(handedBack, withoutSequences(log.liveEntries()), "a compaction keeps the entries after the end");
        restart();
        assertEquals(handedBack, withoutSequences(log.liveEntries()), "live after a restart");
        log.recordSessionFinished(session, flow, "mark-" + session, "");
        assertEquals(List.of(), log.liveEntries(), "ended again, it is not live");
    }

    /** Compacts the log now, as its own schedule would, if it compacts at all (for the contract's tests). */
    protected void compactNow(WriteAheadLog log) throws Exception {
    }

    private static Set<UUID> sessions(List<LogEntry> entries) {
        Set<UUID> sessions = new HashSet<>();
        entries.forEach(e -> sessions.add(e.sessionId()));
        return sessions;
    }

    @Test
    void unforcedEntriesAreWrittenInOrderAndKeptByACleanClose() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID done = UUID.randomUUID();
        UUID open = UUID.randomUUID();
        log.append(started(done, flow, UUID.randomUUID(), 0, List.of()));
        long end = log.appendUnforced(List.of(LogEntry.sessionFinished(done, flow, "mark", "")));
        long later = log.append(started(open, flow, UUID.randomUUID(), 0, List.of()));
        assertTrue(later > end, "sequences go on in order");
        List<LogEntry> before = log.entries();
        assertEquals(List.of(LogEntry.Kind.STEP_STARTED, LogEntry.Kind.SESSION_FINISHED, LogEntry.Kind.STEP_STARTED),
                before.stream().map(LogEntry::kind).toList());
        restart();
        assertEquals(List.of(open), log.unfinishedSteps().stream().map(LogEntry::sessionId).toList(),
                "the unforced end survived the clean close");
    }

    @Test
    void anUnforcedEntryIsDurableOnceAForcedOneAfterItIs() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        long unforced = log.appendUnforced(List.of(started(session, flow, UUID.randomUUID(), 0, List.of())));
        long forced = log.append(started(session, flow, UUID.randomUUID(), 0, List.of()));
        // a log may force every so often rather than on each append: it says so within a bounded time
        log.whenDurable(forced).toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(log.whenDurable(unforced).toCompletableFuture().isDone(), "entries are durable in their order");
        restart();
        assertTrue(log.whenDurable(forced).toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS) == null,
                "what the log holds after a restart is durable");
    }

    @Test
    void everythingAcknowledgedSurvivesARestart() throws Exception {
        UUID flow = UUID.randomUUID();
        List<LogEntry> unfinished = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            UUID session = UUID.randomUUID();
            UUID step = UUID.randomUUID();
            LogEntry start = started(session, flow, step, 0, List.of());
            log.append(start);
            if (i % 3 == 0) {
                log.append(completed(session, flow, step));
                log.recordSessionFinished(session, flow, "", "");
            } else {
                unfinished.add(start);
            }
        }
        List<LogEntry> before = log.unfinishedSteps();
        assertEquals(unfinished, withoutSequences(before));
        restart();
        assertEquals(before, log.unfinishedSteps());
        long next = log.append(started(UUID.randomUUID(), flow, UUID.randomUUID(), 0, List.of()));
        assertTrue(next > before.get(before.size() - 1).sequence(), "sequences go on increasing after a restart");
    }

    /**
     * Entries as large as real ones get are kept whole, not cut: a metadata value of a megabyte (a
     * processor that puts a small file's text into the metadata), a trigger mark and an error far
     * longer than usual (a message's id or body, an exception with its output), outside ASCII too.
     */
    @Test
    void largeEntriesAreKeptWhole() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID running = UUID.randomUUID();
        UUID failed = UUID.randomUUID();
        String text = "héllo wörld, ünïcode 😀 ".repeat(40_000); // about a megabyte of UTF-8
        String mark = "/data/inbox/" + "ä/".repeat(10_000) + "order.json";
        LogEntry start = LogEntry.stepStarted(running, flow, UUID.randomUUID(), "ReadWholeFile", "content-" + running,
                Map.of("file.text", text, "lines", List.of(text.substring(0, 100_000), text.substring(7, 50_007))),
                mark, 0, List.of());
        LogEntry end = LogEntry.sessionFinished(failed, flow, mark, "exit code 2, stderr: " + "fehler überall\n".repeat(5_000));
        log.append(start);
        log.append(end);
        assertEquals(List.of(start, end), withoutSequences(log.entries()));
        restart();
        assertEquals(List.of(start, end), withoutSequences(log.entries()));
        assertEquals(List.of(start), withoutSequences(log.unfinishedSteps()));
    }

    /**
     * Text that is not well-formed UTF-16 (an unpaired surrogate, as cutting a string inside an emoji leaves
     * it) is kept exactly or refused when appended, never changed on the way.
     */
    @Test
    void textWithAnUnpairedSurrogateIsKeptExactlyOrRefused() throws Exception {
        String cut = "smile \uD83D\uDE00".substring(0, 7); // ends with the emoji's high surrogate alone
        LogEntry entry = LogEntry.stepStarted(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "Cut", "content",
                Map.of("text", cut), "mark", 0, List.of());
        try {
            log.append(entry);
        } catch (EntryRejectedException refused) {
            assertEquals(List.of(), log.entries(), "nothing of a refused append is written");
            return;
        }
        restart();
        assertEquals(List.of(entry), withoutSequences(log.entries()));
    }

    /**
     * A session started again after its end (handed back into a log it was handed over from) is live:
     * the entries written since its end are live and its unfinished step is reported, before and after
     * a restart; its entries up to the end are not.
     */
    @Test
    void aSessionStartedAgainAfterItsEndIsLive() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        log.append(started(session, flow, first, 0, List.of()));
        log.recordSessionFinished(session, flow, "mark-" + session, "");
        LogEntry firstAgain = started(session, flow, first, 0, List.of());
        LogEntry done = completed(session, flow, first);
        LogEntry secondStart = started(session, flow, second, 0, List.of(first));
        log.appendAll(List.of(firstAgain, done, secondStart));
        assertEquals(List.of(firstAgain, done, secondStart), withoutSequences(log.liveEntries()));
        assertEquals(List.of(secondStart), withoutSequences(log.unfinishedSteps()));
        restart();
        assertEquals(List.of(firstAgain, done, secondStart), withoutSequences(log.liveEntries()));
        assertEquals(List.of(secondStart), withoutSequences(log.unfinishedSteps()));
        log.recordSessionFinished(session, flow, "mark-" + session, "");
        assertEquals(List.of(), log.liveEntries(), "ended again, it is no longer live");
    }

    /**
     * An entry at each limit a log or a JSON reader is known to have (Jackson's readers: names of 50,000
     * characters, strings of 20,000,000 (one more each), 1,000 levels of nesting, where a log may wrap each map in one
     * more; the file log: 64 MiB per record) is kept whole or refused when appended
     * ({@code EntryRejectedException}, nothing written): never accepted and then unreadable, which would
     * leave recovery unable to read the log at all.
     */
    @Test
    void anEntryAtEachLimitIsKeptWholeOrRefused() throws Exception {
        UUID flow = UUID.randomUUID();
        List<Map<String, Object>> atLimits = new ArrayList<>();
        for (int length : new int[] {50_000, 50_001}) {
            atLimits.add(Map.of("k".repeat(length), "long name"));
        }
        atLimits.add(Map.of("text", "s".repeat(20_000_001)));
        for (int depth : new int[] {499, 500, 999, 1000, 1001}) {
            atLimits.add(nested(depth));
        }
        atLimits.add(Map.of("text", "x".repeat(64 * 1024 * 1024 + 1)));
        List<LogEntry> kept = new ArrayList<>();
        for (Map<String, Object> metadata : atLimits) {
            LogEntry entry = LogEntry.stepStarted(UUID.randomUUID(), flow, UUID.randomUUID(), "AtLimit", "content", metadata,
                    "mark", 0, List.of());
            try {
                log.append(entry);
                kept.add(entry);
            } catch (EntryRejectedException refused) {
                // allowed: refused whole
            }
        }
        assertEquals(kept, withoutSequences(log.entries()), "what was kept reads back, nothing of what was refused");
        LogEntry after = started(UUID.randomUUID(), flow, UUID.randomUUID(), 0, List.of());
        log.append(after);
        kept.add(after);
        restart();
        assertEquals(kept, withoutSequences(log.entries()));
        assertEquals(kept, withoutSequences(log.liveEntries()));
    }

    /** Metadata whose values nest {@code depth} maps deep. */
    private static Map<String, Object> nested(int depth) {
        // each level frozen as it is made: the entry's own copy then does not recurse through every level
        Map<String, Object> value = Values.immutableMap(Map.of("leaf", 1), "nested metadata");
        for (int i = 1; i < depth; i++) {
            value = Values.immutableMap(Map.of("n", value), "nested metadata");
        }
        return value;
    }

    @Test
    void concurrentAppendersGetDistinctSequencesAndLoseNothing() throws Exception {
        int threads = 8;
        int perThread = 200;
        UUID flow = UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Long> sequences = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                work.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        sequences.add(log.append(started(UUID.randomUUID(), flow, UUID.randomUUID(), 0, List.of())));
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, new HashSet<>(sequences).size());
        assertEquals(threads * perThread, log.unfinishedSteps().size());
        restart();
        assertEquals(threads * perThread, log.unfinishedSteps().size());
        Set<Long> recovered = new HashSet<>();
        log.unfinishedSteps().forEach(e -> recovered.add(e.sequence()));
        assertEquals(new HashSet<>(sequences), recovered);
    }

    /** What a writer leaving a log open (a swap to another log) relies on: {@code force()} covers the unforced entries. */
    @Test
    void anUnforcedEntryIsDurableOnceForceReturns() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        log.append(started(session, flow, UUID.randomUUID(), 0, List.of()));
        long end = log.appendUnforced(List.of(LogEntry.sessionFinished(session, flow, "mark", "")));
        log.force();
        java.util.concurrent.CompletableFuture<Void> durable = log.whenDurable(end).toCompletableFuture();
        assertTrue(durable.isDone() && !durable.isCompletedExceptionally(), "durable once force returned, with no wait");
        restart();
        assertEquals(List.of(), log.liveEntries(), "the forced end survived");
    }

    @Test
    void aClosedLogRefusesAppends() throws Exception {
        close(log);
        WriteAheadLog closed = log;
        log = null;
        assertThrows(WriteAheadLogException.class,
                () -> closed.append(started(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), 0, List.of())));
        log = reopen();
    }

    /**
     * The engine's stop interrupts its workers, some in the middle of an append. Such an append may
     * succeed or throw, but what it acknowledged is there, and the log keeps working for the others
     * (a database connection closed by the interrupt must not stay in use).
     */
    @Test
    void interruptedAppendersLeaveTheLogWorking() throws Exception {
        UUID flow = UUID.randomUUID();
        ConcurrentLinkedQueue<UUID> acknowledged = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        List<Callable<?>> appenders = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            appenders.add(() -> {
                for (int i = 0; i < 20; i++) {
                    UUID session = UUID.randomUUID();
                    if (i % 3 == 0) {
                        Thread.currentThread().interrupt();
                    }
                    try {
                        log.append(started(session, flow, UUID.randomUUID(), 0, List.of()));
                        acknowledged.add(session);
                    } catch (WriteAheadLogException e) {
                        // allowed: an interrupted append may fail, saying so
                    } catch (RuntimeException | Error e) {
                        unexpected.add(e);
                    }
                    Thread.interrupted();
                }
                return null;
            });
        }
        Concurrently.run(appenders);
        assertEquals(List.of(), List.copyOf(unexpected));
        // after the interrupts, appends from every thread work again
        List<UUID> after = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            UUID session = UUID.randomUUID();
            log.append(started(session, flow, UUID.randomUUID(), 0, List.of()));
            after.add(session);
        }
        Set<UUID> live = new HashSet<>();
        for (LogEntry entry : restart().liveEntries()) {
            live.add(entry.sessionId());
        }
        assertTrue(live.containsAll(acknowledged), "every acknowledged append survives a restart");
        assertTrue(live.containsAll(after));
    }
    /**
     * An entry whose append threw is never read back, now or after a restart: the engine releases what such
     * an entry refers to (its session's content), so an entry that came back later would point at nothing.
     * Appenders are interrupted before their appends and, by another thread, during them (as the engine's stop
     * interrupts its workers); every append either returns and its entry stays, or throws and it never shows.
     */
    @Test
    void anEntryWhoseAppendThrewNeverComesBack() throws Exception {
        UUID flow = UUID.randomUUID();
        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
        Set<UUID> threw = ConcurrentHashMap.newKeySet();
        List<Thread> appenders = new CopyOnWriteArrayList<>();
        AtomicBoolean appending = new AtomicBoolean(true);
        List<Callable<?>> tasks = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            tasks.add(() -> {
                appenders.add(Thread.currentThread());
                for (int i = 0; i < 40; i++) {
                    UUID session = UUID.randomUUID();
                    if (i % 2 == 0) {
                        Thread.currentThread().interrupt();
                    }
                    try {
                        log.appendAll(List.of(started(session, flow, UUID.randomUUID(), 0, List.of()),
                                started(session, flow, UUID.randomUUID(), 0, List.of())));
                        acknowledged.add(session);
                    } catch (WriteAheadLogException e) {
                        threw.add(session);
                    }
                }
                appenders.remove(Thread.currentThread());
                Thread.interrupted();
                return null;
            });
        }
        ExecutorService interrupter = Executors.newSingleThreadExecutor();
        try {
            Future<?> interrupting = interrupter.submit(() -> {
                while (appending.get()) {
                    appenders.forEach(Thread::interrupt);
                    Thread.yield();
                }
            });
            Concurrently.run(tasks);
            appending.set(false);
            interrupting.get();
        } finally {
            appending.set(false);
            interrupter.shutdownNow();
        }
        assertEquals(160, acknowledged.size() + threw.size());
        Set<UUID> now = sessions(log.entries());
        assertTrue(now.containsAll(acknowledged), "every acknowledged append is there");
        assertTrue(Collections.disjoint(now, threw), "no entry whose append threw is there: " + threw);
        Set<UUID> afterRestart = sessions(restart().entries());
        assertTrue(afterRestart.containsAll(acknowledged), "every acknowledged append survives a restart");
        assertTrue(Collections.disjoint(afterRestart, threw), "no entry whose append threw comes back after a restart: " + threw);
    }
}
