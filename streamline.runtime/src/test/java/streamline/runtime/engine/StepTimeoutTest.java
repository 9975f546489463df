package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.processor.FlowObject;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.testkit.TestFlows;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * A step's timeout does not wait for the engine's other scheduled work. The engine's scheduler also polls the flow
 * store and tells triggers the ends queued during their calls; a poll of a store waiting on a database lock, or a told
 * end waiting at the gate a switch of logs closed (while that switch waits for the very step that hangs), held the
 * timeout of a hanging step back, and the switch with it until its own limit, half a minute later.
 */
class StepTimeoutTest {

    @TempDir
    Path directory;

    private StreamlineEngine engine;
    private FileWriteAheadLog wal;
    private final CountDownLatch releasePoll = new CountDownLatch(1);

    @AfterEach
    void stop() throws Exception {
        releasePoll.countDown();
        if (engine != null) {
            engine.stop();
        }
        if (wal != null) {
            wal.close();
        }
    }

    /** A flow store whose polls, once held, wait until released: a database waiting on a lock. */
    private final class HeldStore extends InMemoryFlowManager {
        volatile boolean hold;
        final CountDownLatch pollHeld = new CountDownLatch(1);

        @Override
        public Page<FlowDefinition> listFlows(PageRequest page, Instant since) {
            if (hold) {
                pollHeld.countDown();
                boolean interrupted = false;
                while (releasePoll.getCount() > 0) {
                    try {
                        releasePoll.await();
                    } catch (InterruptedException e) {
                        interrupted = true; // a database call that does not give up at an interrupt
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.listFlows(page, since);
        }
    }

    @Test
    void aHangingStepTimesOutWhileAPollOfTheFlowStoreWaits() throws Exception {
        CountDownLatch stepStarted = new CountDownLatch(1);
        CountDownLatch stepInterrupted = new CountDownLatch(1);
        ProcessorRegistry registry = new ProcessorRegistry();
        registry.addProcessor(ProcessorRegistry.provider("Noop", 1, () -> (input, step) -> {
            if (step.attempt() == 0) {
                stepStarted.countDown();
                try {
                    new CountDownLatch(1).await(EngineHarness.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    stepInterrupted.countDown();
                    throw e;
                }
            }
            return input;
        }));
        HeldStore store = new HeldStore();
        wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        engine = new StreamlineEngine(EngineOptions.builder(directory.resolve("work")).workers(2).pollInterval(Duration.ofMillis(20))
                .stepTimeout(Duration.ofSeconds(2)).stopGrace(Duration.ofMillis(500)).build(), new InMemoryBranchTracker(), registry);
        engine.start(wal, store);
        FlowDefinition flow = store.save(TestFlows.flow("hangs", "A"));
        EngineHarness.await("flow active", () -> engine.activeFlows().keySet().stream().anyMatch(f -> f.id().equals(flow.id())),
                engine::activeFlows);
        engine.submit(flow.id(), FlowObject.of(Map.of("n", 1)), null);
        assertTrue(stepStarted.await(10, TimeUnit.SECONDS), "the step started");

        // the next poll of the store waits, well before the step's timeout is due
        store.hold = true;
        assertTrue(store.pollHeld.await(10, TimeUnit.SECONDS), "a poll of the store waits");

        assertTrue(stepInterrupted.await(10, TimeUnit.SECONDS),
                "the step hanging past its timeout of 2 s was interrupted while a poll of the store waited");
    }
}
