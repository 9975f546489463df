package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.testkit.TestFlows;

/**
 * The time limits of steps and trigger calls act whatever else the engine's threads wait for: a switch of logs waits
 * for the running steps, so a step timeout that waited behind other engine work (a poll of a flow store that hangs, a
 * recovery waiting at the closed gate) would hold the switch, and every step after it, for as long as that work; a
 * trigger call's limit likewise.
 */
class TimeLimitsTest {

    @TempDir
    Path directory;

    private EngineHarness harness;
    private HangingListing store;

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.release.countDown();
        }
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void aStepOverItsTimeoutIsInterruptedWhileAPollOfTheFlowStoreHangs() throws Exception {
        harness = new EngineHarness(directory);
        harness.start(harness.options().workers(1).stepTimeout(Duration.ofSeconds(1)).build());
        harness.processor("Hang", () -> (input, step) -> {
            new CountDownLatch(1).await(); // until the timeout interrupts it
            return input;
        });
        FlowDefinition flow = harness.activate(EngineTest.withProcessor(TestFlows.flow("timeout", "A"), "A", b -> b.type("Hang")));
        // the store stops answering the engine's polls, as a database that hangs does
        store = new HangingListing(harness.flows);
        harness.engine.setFlowManager(store);
        assertTrue(store.entered.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the engine polled the store");

        UUID hanging = harness.submit(flow, Map.of());

        harness.awaitEnded(1);
        assertTrue(harness.ended.get(hanging).error().contains("step exceeded the step timeout"), harness.ended.get(hanging).error());
    }

    @Test
    void aTriggerCallOverItsLimitIsInterruptedWhileAPollOfTheFlowStoreHangs() throws Exception {
        harness = new EngineHarness(directory);
        Duration limit = Duration.ofSeconds(3);
        CountDownLatch hangs = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        AtomicBoolean hang = new AtomicBoolean();
        harness.trigger("Hanging", () -> new TriggerProcessor() {
            @Override
            public ScheduleType scheduleType() {
                return ScheduleType.EVENT;
            }

            @Override
            public List<TriggerResult> trigger(TriggerContext context) throws Exception {
                if (hang.compareAndSet(true, false)) {
                    hangs.countDown();
                    try {
                        new CountDownLatch(1).await(); // until the call's limit interrupts it
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                        throw e;
                    }
                }
                return List.of();
            }
        });
        harness.processor("Noop", () -> (input, step) -> input);
        harness.start(harness.options().triggerTimeout(limit).build());
        FlowDefinition plain = TestFlows.flow("hanging-trigger", "A");
        harness.activate(plain.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(plain.id(), "T"))
                .name("T").type("Hanging").build()).build());
        hang.set(true);
        assertTrue(hangs.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "a trigger call began to hang");
        long hangingSince = System.nanoTime();
        store = new HangingListing(harness.flows);
        harness.engine.setFlowManager(store);
        assertTrue(store.entered.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the engine polled the store");
        // the poll hangs before the call's limit is up: from here only a check no poll can hold interrupts the call
        assumeTrue(System.nanoTime() - hangingSince < limit.toNanos() / 2, "the poll began to hang only late in the call's limit");

        assertTrue(interrupted.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                "the trigger call past its limit of " + limit.toSeconds() + " s was interrupted while the poll hung");
    }

    /** A store whose listings, from the first after the engine switched to it, wait until the test releases them. */
    private static final class HangingListing extends DelegatingFlowStore {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean switched;

        HangingListing(FlowManager store) {
            super(store);
        }

        @Override
        public Page<FlowDefinition> listFlows(PageRequest page, Instant since) throws FlowStoreException {
            if (!switched) {
                switched = true; // the switch's own listing answers
                return store.listFlows(page, since);
            }
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FlowStoreException("interrupted while hanging", e);
            }
            return store.listFlows(page, since);
        }
    }
}
