package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.wal.LogEntry;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * A step's completion that the branch tracker refuses (here: a session of a log that names no flow version, recovered
 * on the flow's current graph, whose order changed, so the step's successor is one the log shows completed) fails the session with the tracker's reason; it never escapes on
 * the worker thread, which would die and leave the session in progress forever.
 */
class RefusedCompletionTest {

    @TempDir
    Path directory;

    EngineHarness harness;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void aCompletionTheTrackerRefusesFailsTheSession() throws Exception {
        harness = new EngineHarness(directory);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch secondStepRunning = new CountDownLatch(1);
        harness.processor("Noop", () -> (input, step) -> {
            if (calls.incrementAndGet() == 2) {
                // B of the first engine: runs until the stop interrupts it, so the log shows A completed, B started
                secondStepRunning.countDown();
                new CountDownLatch(1).await(5, TimeUnit.MINUTES); // never opened: until the stop interrupts it
            }
            return input;
        });
        harness.start();
        FlowDefinition flow = harness.activate(TestFlows.flow("reordered", "A->B"));
        UUID session = harness.submit(flow, Map.of());
        assertTrue(secondStepRunning.await(30, TimeUnit.SECONDS), "step B running");
        harness.stop();
        writtenWithoutVersions(directory.resolve("wal"));

        harness.save(TestFlows.flow("reordered", "B->A"));
        harness.start();
        // recovered: A completed, B runs again; B's completion names A, which the tracker knows completed
        harness.awaitEnded(1);
        SessionUpdate end = harness.ended.get(session);
        assertTrue(end != null && end.failed(), () -> "session " + session + " failed: " + end);
        assertTrue(end.error().contains("already scheduled"), () -> "the tracker's reason in: " + end.error());
    }

    /** The log's live entries as an engine that recorded no flow version wrote them: their sessions resume on the current graph. */
    private static void writtenWithoutVersions(Path log) throws Exception {
        List<LogEntry> entries;
        try (FileWriteAheadLog old = FileWriteAheadLog.open(log, "always")) {
            entries = old.liveEntries();
        }
        try (Stream<Path> files = Files.walk(log)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        try (FileWriteAheadLog rewritten = FileWriteAheadLog.open(log, "always")) {
            List<LogEntry> unversioned = new ArrayList<>();
            for (LogEntry e : entries) {
                TriggerMarks marks = TriggerMarks.decode(e.triggerMark());
                unversioned.add(new LogEntry(0, e.kind(), e.sessionId(), e.flowId(), e.processorId(), e.processorName(), e.contentId(),
                        e.metadata(), TriggerMarks.encode(marks.triggerId(), marks.mark()), e.attempt(), e.completedSteps(), e.error()));
            }
            rewritten.appendAll(unversioned);
        }
    }
}
