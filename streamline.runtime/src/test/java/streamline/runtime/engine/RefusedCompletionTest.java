package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.testkit.TestFlows;

/**
 * A step's completion that the branch tracker refuses (here: a session recovered on a graph whose order changed, so the
 * step's successor is one the log shows completed) fails the session with the tracker's reason; it never escapes on
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

        harness.save(TestFlows.flow("reordered", "B->A"));
        harness.start();
        // recovered: A completed, B runs again; B's completion names A, which the tracker knows completed
        harness.awaitEnded(1);
        SessionUpdate end = harness.ended.get(session);
        assertTrue(end != null && end.failed(), () -> "session " + session + " failed: " + end);
        assertTrue(end.error().contains("already scheduled"), () -> "the tracker's reason in: " + end.error());
    }
}
