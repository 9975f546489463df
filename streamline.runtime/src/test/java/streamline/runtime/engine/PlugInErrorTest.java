package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.testkit.TestFlows;

/**
 * Whatever a plug-in throws, an {@code Error} included, is that plug-in's failure: a listener or a trigger throwing
 * {@code AssertionError} on the committer thread leaves every later session completing, and a trigger throwing one
 * from its call is backed off and called again.
 */
class PlugInErrorTest {

    @TempDir
    Path directory;

    EngineHarness harness;

    @BeforeEach
    void start() {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    @Test
    void aListenerThrowingAnErrorLeavesLaterSessionsCompleting() throws Exception {
        harness.start();
        AtomicInteger told = new AtomicInteger();
        harness.engine.addListener(update -> {
            told.incrementAndGet();
            throw new AssertionError("a listener's own bug");
        });
        FlowDefinition flow = harness.activate(TestFlows.flow("listener-error", "A"));
        harness.submit(flow, Map.of());
        harness.awaitEnded(1);
        EngineHarness.await("the failing listener told", () -> told.get() == 1, told::get);
        for (int i = 0; i < 5; i++) {
            harness.submit(flow, Map.of("n", i));
        }
        harness.awaitEnded(6);
        assertEquals(6, told.get(), "the failing listener is told of every end all the same");
    }

    /** An event trigger that emits one item a call, {@code total} in all, and throws an Error when told of an end. */
    static final class FailingOnEnds implements TriggerProcessor {
        final AtomicInteger next = new AtomicInteger();
        final int total;
        final Map<String, SessionUpdate> ended = new ConcurrentHashMap<>();
        volatile boolean failCalls;
        final AtomicInteger calls = new AtomicInteger();

        FailingOnEnds(int total) {
            this.total = total;
        }

        @Override
        public ScheduleType scheduleType() {
            return ScheduleType.EVENT;
        }

        @Override
        public List<TriggerResult> trigger(TriggerContext context) {
            calls.incrementAndGet();
            if (failCalls) {
                throw new StackOverflowError("a trigger's own bug");
            }
            int n = next.getAndIncrement();
            return n < total ? List.of(TriggerResult.of(Map.of("n", n), "item-" + n)) : List.of();
        }

        @Override
        public void itemsReceived(List<ItemOutcome> outcomes) {
            throw new AssertionError("a trigger's own bug in itemsReceived");
        }

        @Override
        public void sessionEnded(SessionUpdate update) {
            ended.put(update.triggerMark(), update);
            throw new AssertionError("a trigger's own bug in sessionEnded");
        }
    }

    @Test
    void aTriggerThrowingErrorsWhenToldOfEndsLeavesLaterSessionsCompletingAndIsCalledAgainAfterAnErrorOfItsCall()
            throws Exception {
        harness.start(harness.options().eventIdle(Duration.ofMillis(5)).build());
        FailingOnEnds trigger = new FailingOnEnds(10);
        harness.trigger("FailingOnEnds", () -> trigger);
        FlowDefinition flow = TestFlows.flow("trigger-error", "A");
        harness.activate(flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T"))
                .name("T").type("FailingOnEnds").build()).build());
        harness.awaitEnded(10);
        EngineHarness.await("the trigger told of every end", () -> trigger.ended.size() == 10, trigger.ended::keySet);

        trigger.failCalls = true;
        int before = trigger.calls.get();
        EngineHarness.await("the trigger called again after its call threw an Error", () -> trigger.calls.get() >= before + 2,
                trigger.calls::get);
        UUID submitted = harness.submit(flow, Map.of());
        harness.awaitEnded(11);
        assertEquals("", harness.ended.get(submitted).error());
    }
}
