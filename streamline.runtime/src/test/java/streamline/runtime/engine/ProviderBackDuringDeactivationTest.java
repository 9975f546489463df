package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionInfo;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.Processor;
import streamline.testkit.TestFlows;

/**
 * Steps parked while their processor type has no provider go on when a provider comes back, also when it comes back
 * while their flow is being deactivated: the run the deactivation retires keeps its sessions, and is given instances.
 */
class ProviderBackDuringDeactivationTest {

    private static final int ITEMS = 3;

    @TempDir
    Path directory;

    private EngineHarness harness;
    private LoggerConfig activationLog;
    private AbstractAppender atDeactivation;

    @AfterEach
    void stop() throws Exception {
        if (activationLog != null) {
            LoggerContext logging = (LoggerContext) LogManager.getContext(false);
            logging.getConfiguration().removeLogger(activationLog.getName());
            logging.updateLoggers();
            atDeactivation.stop();
        }
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void stepsParkedOnARunRetiredAsTheirProviderCameBackGoOn() throws Exception {
        harness = new EngineHarness(directory);
        CountDownLatch providerGone = new CountDownLatch(1);
        AtomicInteger holding = new AtomicInteger();
        harness.processor("Hold", () -> (Processor) (input, step) -> {
            holding.incrementAndGet();
            providerGone.await(30, TimeUnit.SECONDS);
            return input;
        });
        ProcessorRegistry.Provider<Processor> steps = harness.processor("Step", () -> (input, step) -> input);
        harness.trigger("Items", () -> new TriggerTest.Items(ITEMS));
        harness.start();
        FlowDefinition flow = TestFlows.flow("parked", "A->B");
        flow = flow.toBuilder()
                .processors(flow.processors().stream().map(p -> p.toBuilder().type(p.name().equals("A") ? "Hold" : "Step").build()).toList())
                .trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T").type("Items").build())
                .build();
        harness.activate(flow);

        // every session is in A when B's provider goes away: then B parks in each
        EngineHarness.await("A runs for every item", () -> holding.get() == ITEMS, holding::get);
        harness.registry.removeProcessor(steps);
        providerGone.countDown();
        EngineHarness.await("B parked in every session", () -> parkedOnB() == ITEMS, harness.engine::sessionsInProgress);

        // the provider comes back (on another thread, as a bundle starts) while the engine is inside the deactivation
        AtomicReference<Thread> comingBack = new AtomicReference<>();
        whileDeactivating(() -> {
            Thread thread = new Thread(() -> harness.processor("Step", () -> (input, step) -> input), "provider-comes-back");
            comingBack.set(thread);
            thread.start();
            awaitDoneOrBlockedByCurrentThread(thread);
        });
        harness.flows.setActive(flow.id(), false);
        EngineHarness.await("the deactivation met the provider coming back", () -> comingBack.get() != null, () -> "not yet");
        comingBack.get().join(TimeUnit.SECONDS.toMillis(30));

        harness.awaitEnded(ITEMS);
        assertTrue(harness.ended.values().stream().noneMatch(end -> end.failed()), "every session finished: " + harness.ended);
        assertEquals(List.of(), harness.engine.sessionsInProgress());
    }

    /** How many sessions wait, not running, with B as their one step. */
    private long parkedOnB() {
        return harness.engine.sessionsInProgress().stream()
                .filter(info -> info.status() == SessionInfo.Status.WAITING && info.steps().size() == 1
                        && info.steps().get(0).processorName().equals("B"))
                .count();
    }

    /** Runs {@code work} on the engine's thread as it logs that it deactivates the flow (it holds the flow lock then). */
    private void whileDeactivating(Runnable work) {
        AtomicBoolean done = new AtomicBoolean();
        atDeactivation = new AbstractAppender("at-deactivation", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getMessage().getFormattedMessage().contains("deactivated") && done.compareAndSet(false, true)) {
                    work.run();
                }
            }
        };
        atDeactivation.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        activationLog = new LoggerConfig(FlowActivation.class.getName(), Level.INFO, false);
        activationLog.addAppender(atDeactivation, Level.INFO, null);
        logging.getConfiguration().addLogger(activationLog.getName(), activationLog);
        logging.updateLoggers();
    }

    /**
     * Waits until {@code thread} ended, or waits for a lock the calling thread holds (the flow lock: it cannot go on
     * before the deactivation is over).
     */
    private static void awaitDoneOrBlockedByCurrentThread(Thread thread) {
        long self = Thread.currentThread().getId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.isAlive() && System.nanoTime() < deadline) {
            ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(thread.getId());
            if (info != null && info.getLockOwnerId() == self) {
                return;
            }
            Thread.onSpinWait();
        }
    }
}
