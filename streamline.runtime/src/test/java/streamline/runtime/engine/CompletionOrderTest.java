package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The log holds a session's steps in the order the branch tracker counted them: a join's start never before the
 * completion of a predecessor, and nothing of a session after its end. A completion whose write failed and waits for
 * its retry holds the other branches' writes back, or goes with them.
 */
class CompletionOrderTest {

    @TempDir
    Path directory;

    private EngineHarness harness;

    @AfterEach
    void tearDown() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private static boolean completes(List<LogEntry> entries, String processor) {
        return entries.stream().anyMatch(entry -> entry.kind() == LogEntry.Kind.STEP_COMPLETED && processor.equals(entry.processorName()));
    }

    /** Index in the log of the first entry of {@code kind} for {@code processor} of {@code session}, or -1. */
    private static int indexOf(List<LogEntry> entries, UUID session, LogEntry.Kind kind, String processor) {
        for (int i = 0; i < entries.size(); i++) {
            LogEntry entry = entries.get(i);
            if (entry.sessionId().equals(session) && entry.kind() == kind && processor.equals(entry.processorName())) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aCompletionWhoseWriteFailedIsNotLoggedAfterTheEndTheOtherBranchReached() throws Exception {
        harness = new EngineHarness(directory);
        CountDownLatch bFailed = new CountDownLatch(1);
        harness.processor("Noop", () -> (input, step) -> {
            if (step.processorName().equals("C")) {
                bFailed.await(5, TimeUnit.SECONDS); // completes after B's completion write failed, before its retry
            }
            return input;
        });
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        AtomicBoolean failedOnce = new AtomicBoolean();
        DelegatingLog log = new DelegatingLog(harness.wal) {
            @Override
            public long appendUnforced(List<LogEntry> entries) throws WriteAheadLogException {
                if (completes(entries, "B") && failedOnce.compareAndSet(false, true)) {
                    bFailed.countDown();
                    throw new WriteAheadLogException("cannot append to wal/segment-000000000001.wal: No space left on device");
                }
                return log.appendUnforced(entries);
            }
        };
        harness.start(harness.options().build(), log);
        FlowDefinition flow = harness.activate(TestFlows.flow("join", "A->B->Out", "A->C->Out"));
        UUID session = harness.submit(flow, Map.of());

        harness.awaitEnded(1);
        assertEquals("", harness.ended.get(session).error());
        EngineHarness.await("B's completion in the log", () -> {
            try {
                return completes(harness.wal.entries(), "B");
            } catch (WriteAheadLogException e) {
                throw new IllegalStateException(e);
            }
        }, () -> "not yet");
        // B's completion is in the log: carried by C's write before the end, or (the bug) written by its retry after it
        assertTrue(failedOnce.get());
        assertTrue(EngineHarness.liveSessions(harness.wal).isEmpty(),
                "the ended session is not live again in the log: " + harness.wal.entries());
    }

    @Test
    void aJoinsStartIsLoggedAfterTheCompletionsOfAllItsPredecessors() throws Exception {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        CountDownLatch outStarted = new CountDownLatch(1);
        DelegatingLog log = new DelegatingLog(harness.wal) {
            @Override
            public long appendUnforced(List<LogEntry> entries) throws WriteAheadLogException {
                if (completes(entries, "B")) {
                    // B's write is slow: the other branch, counted by the tracker after B, must not overtake it
                    try {
                        outStarted.await(1, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                long sequence = log.appendUnforced(entries);
                if (entries.stream().anyMatch(entry -> entry.kind() == LogEntry.Kind.STEP_STARTED && "Out".equals(entry.processorName()))) {
                    outStarted.countDown();
                }
                return sequence;
            }
        };
        harness.start(harness.options().build(), log);
        FlowDefinition flow = harness.activate(TestFlows.flow("join", "A->B->Out", "A->C->Out"));
        UUID session = harness.submit(flow, Map.of());

        harness.awaitEnded(1);
        List<LogEntry> entries = harness.wal.entries();
        int bCompleted = indexOf(entries, session, LogEntry.Kind.STEP_COMPLETED, "B");
        int cCompleted = indexOf(entries, session, LogEntry.Kind.STEP_COMPLETED, "C");
        int outStartedAt = indexOf(entries, session, LogEntry.Kind.STEP_STARTED, "Out");
        assertTrue(bCompleted >= 0 && cCompleted >= 0 && outStartedAt >= 0, entries.toString());
        assertTrue(bCompleted < outStartedAt && cCompleted < outStartedAt,
                "a crash between the writes would leave Out started and B not complete, and B's rerun would find Out"
                        + " scheduled already: " + entries);
    }

    @Test
    void aCompletionCountedBeforeAnotherBranchFailedTheSessionIsNotLoggedAfterTheSessionsEnd() throws Exception {
        harness = new EngineHarness(directory);
        CountDownLatch bWriting = new CountDownLatch(1);
        harness.processor("Noop", () -> (input, step) -> {
            if (step.processorName().equals("C")) {
                bWriting.await(5, TimeUnit.SECONDS);
                throw new IllegalStateException("C fails while B's completion is being written");
            }
            return input;
        });
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        CountDownLatch endLogged = new CountDownLatch(1);
        CountDownLatch bWritten = new CountDownLatch(1);
        DelegatingLog log = new DelegatingLog(harness.wal) {
            @Override
            public long appendUnforced(List<LogEntry> entries) throws WriteAheadLogException {
                if (!completes(entries, "B")) {
                    return log.appendUnforced(entries);
                }
                // B's write is slow (a busy log, a preempted thread): the failure of the other branch may come first
                bWriting.countDown();
                try {
                    endLogged.await(2, TimeUnit.SECONDS);
                    return log.appendUnforced(entries);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return log.appendUnforced(entries);
                } finally {
                    bWritten.countDown();
                }
            }

            @Override
            public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
                long sequence = log.appendAll(entries);
                if (entries.stream().anyMatch(entry -> entry.kind() == LogEntry.Kind.SESSION_FINISHED)) {
                    endLogged.countDown();
                }
                return sequence;
            }
        };
        harness.start(harness.options().build(), log);
        FlowDefinition flow = harness.activate(TestFlows.flow("branches", "A->B->D", "A->C"));
        UUID session = harness.submit(flow, Map.of());

        harness.awaitEnded(1);
        assertTrue(!harness.ended.get(session).error().isEmpty(), "C failed the session");
        EngineHarness.await("B's slow write done", () -> bWritten.getCount() == 0, () -> "B not written yet");
        assertTrue(EngineHarness.liveSessions(harness.wal).isEmpty(),
                "nothing of the failed session is logged after its end, where the log takes it as started again: "
                        + harness.wal.entries());
    }
}
