package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.wal.LogEntry;
import streamline.testkit.TestFlows;

/**
 * A stopped engine writes nothing more to the log: a step whose processor ignores the stop's interrupt and returns
 * after the stop grace (and after the stop gave up waiting for its worker) must not log its completion into a log
 * that the next engine may already be reading; the step stays started in the log and runs again after the next start.
 */
class StoppedEngineWritesTest {

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
    void aStepThatOutlivesTheStopLogsNothing() throws Exception {
        harness = new EngineHarness(directory);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> worker = new AtomicReference<>();
        harness.processor("Noop", () -> (input, step) -> {
            if (worker.compareAndSet(null, Thread.currentThread())) {
                running.countDown();
                awaitIgnoringInterrupts(release);
            }
            return input;
        });
        harness.start(harness.options().stopGrace(Duration.ZERO).build());
        FlowDefinition flow = harness.activate(TestFlows.flow("deaf", "A->B"));
        UUID session = harness.submit(flow, Map.of());
        assertTrue(running.await(30, TimeUnit.SECONDS), "step A running");

        harness.engine.stop(); // the grace is over at once; the worker ignores the interrupt and outlives the stop
        release.countDown();
        worker.get().join(EngineHarness.TIMEOUT.toMillis());
        assertFalse(worker.get().isAlive(), "the worker ended");

        List<LogEntry> entries = harness.wal.liveEntries().stream().filter(entry -> entry.sessionId().equals(session)).toList();
        assertEquals(List.of(LogEntry.Kind.STEP_STARTED), entries.stream().map(LogEntry::kind).toList(),
                () -> "the log still shows step A only started: " + entries);
        assertFalse(harness.ended.containsKey(session), () -> "no one was told the session ended: " + harness.ended.get(session));
    }

    /** A processor that ignores interrupts: it returns only once released, keeping the interrupt for its caller. */
    private static void awaitIgnoringInterrupts(CountDownLatch release) {
        long deadline = System.nanoTime() + EngineHarness.TIMEOUT.toNanos();
        boolean interrupted = false;
        while (release.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
