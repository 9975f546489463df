package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.processor.StepUnavailableException;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/** A step that says "not now", or fails with retries left, after another branch failed its session writes nothing more for it. */
class WaitAfterSessionEndTest {

    @TempDir
    Path directory;

    @Test
    void aStepThatWaitsAfterItsSessionFailedOnAnotherBranchDoesNotBringTheSessionBackIntoTheLog() throws Exception {
        endedThenBThrows(new StepUnavailableException("the server is down"), 0);
    }

    @Test
    void aStepThatFailsWithRetriesLeftAfterItsSessionFailedOnAnotherBranchDoesNotBringTheSessionBackIntoTheLog() throws Exception {
        endedThenBThrows(new IllegalStateException("flaky"), 2);
    }

    private void endedThenBThrows(Exception thrown, int retriesOfB) throws Exception {
        CountDownLatch waitRuns = new CountDownLatch(1);
        AtomicReference<Thread> waitWorker = new AtomicReference<>();
        UUID session;
        try (EngineHarness harness = new EngineHarness(directory)) {
            harness.processor("Fail", () -> (input, step) -> {
                assertTrue(waitRuns.await(30, TimeUnit.SECONDS));
                throw new IllegalStateException("bad input");
            });
            harness.processor("Wait", () -> (input, step) -> {
                waitRuns.countDown();
                EngineHarness.await("the session's failure is logged", () -> !harness.ended.isEmpty(), harness.ended::toString);
                waitWorker.set(Thread.currentThread());
                throw thrown;
            });
            harness.start();
            FlowDefinition flow = EngineTest.withProcessor(EngineTest.withProcessor(TestFlows.flow("branches", "A", "B"), "A",
                    a -> a.type("Fail").maxRetries(0)), "B", b -> b.type("Wait").maxRetries(retriesOfB));
            harness.activate(flow);
            session = harness.submit(flow, Map.of("name", "x"));
            harness.awaitEnded(1);
            assertTrue(harness.ended.get(session).failed());
            // the worker that ran the waiting step is back in its pool: whatever the engine does for the wait is done
            EngineHarness.await("the waiting step's worker is idle", () -> waitWorker.get() != null
                    && Arrays.stream(waitWorker.get().getStackTrace()).anyMatch(frame -> frame.getMethodName().equals("getTask")),
                    () -> Arrays.toString(waitWorker.get() == null ? new Object[0] : waitWorker.get().getStackTrace()));
        }
        try (FileWriteAheadLog log = FileWriteAheadLog.open(directory.resolve("wal"), "always")) {
            assertEquals(List.of(), EngineHarness.liveSessions(log),
                    "the failed session " + session + " ended in the log and nothing of it came after: " + log.entries());
        }
    }
}
