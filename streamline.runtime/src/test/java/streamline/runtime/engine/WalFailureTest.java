package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.EngineException;
import streamline.api.flow.FlowDefinition;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The engine when its log refuses writes, as with a full disk: nothing unlogged runs, no session is
 * lost or failed for it, and everything carries on once the log takes writes again. Only an entry
 * the log refuses as it is (too large for it) fails its session, as no retry could help.
 */
class WalFailureTest {

    @TempDir
    Path directory;

    private EngineHarness harness;

    /** The real file log, refusing every write while {@code full} is set. */
    static final class FullDiskLog implements WriteAheadLog, AutoCloseable {
        private final WriteAheadLog log;
        volatile boolean full;
        final AtomicInteger refused = new AtomicInteger();
        /** The number of entries of every write taken, in order. */
        final List<Integer> writes = new CopyOnWriteArrayList<>();

        FullDiskLog(WriteAheadLog log) {
            this.log = log;
        }

        private void check() throws WriteAheadLogException {
            if (full) {
                refused.incrementAndGet();
                throw new WriteAheadLogException("cannot append to data/wal/segment-000000000001.wal: No space left on device");
            }
        }

        @Override
        public long append(LogEntry entry) throws WriteAheadLogException {
            check();
            writes.add(1);
            return log.append(entry);
        }

        @Override
        public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
            check();
            writes.add(entries.size());
            return log.appendAll(entries);
        }

        @Override
        public CompletionStage<Void> whenDurable(long sequence) {
            return log.whenDurable(sequence);
        }

        @Override
        public List<LogEntry> entries() throws WriteAheadLogException {
            return log.entries();
        }

        @Override
        public List<LogEntry> liveEntries() throws WriteAheadLogException {
            return log.liveEntries();
        }

        @Override
        public List<LogEntry> unfinishedSteps() throws WriteAheadLogException {
            return log.unfinishedSteps();
        }

        @Override
        public void close() throws Exception {
            if (log instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    @Test
    void aSessionThatCannotBeLoggedIsRefusedWithTheLogsError() throws Exception {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        FullDiskLog log = new FullDiskLog(harness.wal);
        harness.start(harness.options().build(), log);
        FlowDefinition flow = harness.activate(TestFlows.flow("full", "A"));
        log.full = true;
        EngineException error = assertThrows(EngineException.class, () -> harness.submit(flow, Map.of()));
        assertTrue(error.getMessage().contains("No space left on device"), error.getMessage());
        assertTrue(harness.engine.sessionsInProgress().isEmpty());
        assertTrue(harness.wal.entries().isEmpty(), "nothing half-logged");
    }

    @Test
    void sessionsWaitWhileTheLogRefusesWritesAndCompleteOnceItTakesThemAgain() throws Exception {
        harness = new EngineHarness(directory);
        CountDownLatch release = new CountDownLatch(1);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        harness.processor("Noop", () -> (input, step) -> {
            runs.computeIfAbsent(step.sessionId() + "/" + step.processorName(), k -> new AtomicInteger()).incrementAndGet();
            if (step.processorName().equals("A") && !release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            return input;
        });
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        FullDiskLog log = new FullDiskLog(harness.wal);
        harness.start(harness.options().build(), log);
        FlowDefinition flow = harness.activate(TestFlows.flow("refills", "A->B->C"));
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sessions.add(harness.submit(flow, Map.of("n", i)));
        }
        log.full = true;
        release.countDown();
        EngineHarness.await("completions refused", () -> log.refused.get() >= 6, log.refused::get);
        int firstRound = log.refused.get();
        EngineHarness.await("the retries refused too", () -> log.refused.get() >= firstRound + 6, log.refused::get);
        assertTrue(harness.ended.isEmpty(), "no session ended or failed while the log refused writes: " + harness.ended);
        assertEquals(6, harness.engine.sessionsInProgress().size());

        log.full = false;
        harness.awaitEnded(6);
        for (UUID session : sessions) {
            assertFalse(harness.ended.get(session).failed(), harness.ended.get(session).error());
            for (String processor : List.of("A", "B", "C")) {
                assertEquals(1, runs.get(session + "/" + processor).get(), processor + " ran once: its log write was retried, not the step");
            }
        }
        assertTrue(harness.wal.unfinishedSteps().isEmpty());
    }

    /**
     * A step whose output is larger than the log can store (the file log's 64 MiB per entry) would be
     * refused on every retry: its session fails at once, saying why, the next step never runs, and
     * the engine goes on with other sessions.
     */
    @Test
    void aStepWhoseOutputTheLogRefusesFailsItsSessionInsteadOfRetryingForever() throws Exception {
        harness = new EngineHarness(directory);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        harness.processor("Noop", () -> (input, step) -> {
            runs.computeIfAbsent(step.processorName(), k -> new AtomicInteger()).incrementAndGet();
            boolean huge = step.processorName().equals("A") && Boolean.TRUE.equals(input.metadata().get("huge"));
            return huge ? input.with("file.text", "x".repeat(64 << 20)) : input;
        });
        harness.start();
        FlowDefinition flow = harness.activate(TestFlows.flow("huge", "A->B"));
        UUID refused = harness.submit(flow, Map.of("huge", true));
        harness.awaitEnded(1);
        String error = harness.ended.get(refused).error();
        assertTrue(error.contains("the output of step A") && error.contains("could not be logged")
                && error.contains("at most 67108864"), error);
        assertEquals(null, runs.get("B"), "the step after the refused output never ran");
        assertTrue(harness.wal.unfinishedSteps().isEmpty(), "the session is logged as ended, not left to recover");

        UUID normal = harness.submit(flow, Map.of("huge", false));
        harness.awaitEnded(2);
        assertFalse(harness.ended.get(normal).failed(), harness.ended.get(normal).error());
        assertEquals(1, runs.get("B").get());
    }

    /**
     * A session whose error text is too large for the log (a processor's exception carrying 64 MiB) still
     * ends: its end is logged with the start of the error, and the listeners get all of it.
     */
    @Test
    void aSessionWhoseErrorTheLogRefusesEndsWithTheErrorCutInTheLog() throws Exception {
        harness = new EngineHarness(directory);
        String huge = "e".repeat(64 << 20);
        harness.processor("Noop", () -> (input, step) -> {
            throw new IllegalStateException(huge);
        });
        harness.start();
        FlowDefinition flow = harness.activate(TestFlows.flow("noisy", "A"));
        UUID session = harness.submit(flow, Map.of());
        harness.awaitEnded(1);
        String error = harness.ended.get(session).error();
        assertTrue(error.endsWith(huge), "the listener got the whole error");
        LogEntry end = harness.wal.entries().stream().filter(e -> e.kind() == LogEntry.Kind.SESSION_FINISHED).findFirst()
                .orElseThrow(() -> new AssertionError("the end was logged"));
        assertTrue(end.failed() && end.error().length() < 100_000 && end.error().contains("the write-ahead log refused the whole text")
                && error.startsWith(end.error().substring(0, 1000)), end.error().substring(0, 200));
        assertTrue(harness.wal.unfinishedSteps().isEmpty());
    }
    /** The real file log; one write of several entries fails after its first entry was written, as a log may fail. */
    static final class PrefixLog extends FullDiskLogBase {
        volatile boolean failNextBatch;

        PrefixLog(WriteAheadLog log) {
            super(log);
        }

        @Override
        public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
            if (failNextBatch && entries.size() > 1) {
                failNextBatch = false;
                log.appendAll(entries.subList(0, 1));
                throw new WriteAheadLogException("input/output error after the first entry of " + entries.size());
            }
            return log.appendAll(entries);
        }
    }

    /** Delegates to a log. */
    abstract static class FullDiskLogBase implements WriteAheadLog {
        final WriteAheadLog log;

        FullDiskLogBase(WriteAheadLog log) {
            this.log = log;
        }

        @Override
        public long append(LogEntry entry) throws WriteAheadLogException {
            return appendAll(List.of(entry));
        }

        @Override
        public List<LogEntry> entries() throws WriteAheadLogException {
            return log.entries();
        }

        @Override
        public List<LogEntry> liveEntries() throws WriteAheadLogException {
            return log.liveEntries();
        }

        @Override
        public List<LogEntry> unfinishedSteps() throws WriteAheadLogException {
            return log.unfinishedSteps();
        }
    }

    @Test
    void aStartWhoseWriteFailsAfterAPrefixLeavesNoSessionWithoutItsContentAfterARestart() throws Exception {
        harness = new EngineHarness(directory);
        byte[] input = "the item's content".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        harness.processor("Noop", () -> (item, step) -> {
            try (java.io.InputStream in = step.readContent()) {
                if (!java.util.Arrays.equals(input, in.readAllBytes())) {
                    throw new IllegalStateException("other content");
                }
            }
            return item;
        });
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        PrefixLog log = new PrefixLog(harness.wal);
        harness.start(harness.options().build(), log);
        FlowDefinition flow = harness.activate(TestFlows.flow("prefix", "A", "B")); // two first steps: two entries
        log.failNextBatch = true;
        assertThrows(EngineException.class, () -> harness.engine.submit(flow.id(), streamline.api.processor.FlowObject.of(Map.of()),
                () -> new java.io.ByteArrayInputStream(input)));
        harness.engine.stop();

        harness.start(harness.options().build(), harness.wal); // a restart on the same log
        EngineHarness.await("no session in progress", () -> harness.engine.sessionsInProgress().isEmpty(),
                harness.engine::sessionsInProgress);
        assertEquals(List.of(), harness.ended.values().stream().filter(end -> end.failed()).map(end -> end.error()).toList(),
                "no session recovered without its content");
        // the session the failed write left in the log was ended there: it is not recovered
        assertEquals(0, harness.ended.size(), "sessions recovered: " + harness.ended.keySet());
        assertTrue(harness.wal.unfinishedSteps().isEmpty());
    }
}
