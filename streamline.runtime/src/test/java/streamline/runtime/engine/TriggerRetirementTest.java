package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * A trigger call in progress while its flow is re-activated: its instance is closed only after the call returned,
 * the items it returns after its run was retired are answered {@code NOT_STARTED} (not started on a run whose
 * instances go), so the new version's trigger starts the same item; and a retired run's trigger hears of a session's
 * end only between its own calls.
 */
class TriggerRetirementTest {

    @TempDir
    Path directory;

    EngineHarness harness;

    @BeforeEach
    void start() throws Exception {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        harness.start(harness.options().eventIdle(Duration.ofMillis(5)).build());
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    /** Waits for a latch, as a trigger that ignores interrupts (a call that returns although it was cancelled). */
    static void awaitIgnoringInterrupts(CountDownLatch latch) {
        long deadline = System.nanoTime() + EngineHarness.TIMEOUT.toNanos();
        while (latch.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                latch.await(10, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                // the flow stopped taking items: this call returns all the same
            }
        }
    }

    /** A trigger instance; the test tells each what its calls do. */
    static class Scripted implements TriggerProcessor {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicBoolean inCall = new AtomicBoolean();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final Map<String, ItemOutcome> outcomes = new ConcurrentHashMap<>();
        final Map<String, SessionUpdate> ended = new ConcurrentHashMap<>();
        final AtomicInteger closed = new AtomicInteger();

        @Override
        public ScheduleType scheduleType() {
            return ScheduleType.EVENT;
        }

        @Override
        public final List<TriggerResult> trigger(TriggerContext context) {
            inCall.set(true);
            try {
                return call(calls.incrementAndGet());
            } finally {
                inCall.set(false);
            }
        }

        List<TriggerResult> call(int number) {
            return List.of();
        }

        @Override
        public void itemsReceived(List<ItemOutcome> received) {
            received.forEach(outcome -> outcomes.put(outcome.item().triggerMark(), outcome));
        }

        @Override
        public void sessionEnded(SessionUpdate update) {
            if (inCall.get()) {
                violations.add("told of the end of " + update.triggerMark() + " during its own call");
            }
            ended.put(update.triggerMark(), update);
        }

        @Override
        public void close() {
            if (inCall.get()) {
                violations.add("closed during its own call");
            }
            closed.incrementAndGet();
        }
    }

    private static FlowDefinition flow(String type, String version) {
        FlowDefinition flow = EngineTest.withProcessor(TestFlows.flow("retiring", "A"), "A", b -> b.config(Map.of("version", version)));
        return flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T")
                .type(type).build()).build();
    }

    @Test
    void itemsOfACallThatReturnsAfterItsRunWasRetiredAreNotStartedAndTheNextVersionStartsThem() throws Exception {
        CountDownLatch firstInCall = new CountDownLatch(1);
        CountDownLatch firstReturns = new CountDownLatch(1);
        Scripted first = new Scripted() {
            @Override
            List<TriggerResult> call(int number) {
                if (number > 1) {
                    return List.of();
                }
                firstInCall.countDown();
                awaitIgnoringInterrupts(firstReturns);
                return List.of(TriggerResult.of(Map.of(), "m1"));
            }
        };
        Scripted second = new Scripted() {
            @Override
            List<TriggerResult> call(int number) {
                // the same source item, once the first version's call was answered
                return first.outcomes.containsKey("m1") && !outcomes.containsKey("m1") ? List.of(TriggerResult.of(Map.of(), "m1"))
                        : List.of();
            }
        };
        AtomicInteger made = new AtomicInteger();
        harness.trigger("Scripted", () -> made.incrementAndGet() == 1 ? first : second);
        harness.activate(flow("Scripted", "1"));
        assertTrue(firstInCall.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the first version's call began");

        harness.activate(flow("Scripted", "2")); // re-activated while the first version's call is in progress
        firstReturns.countDown();
        EngineHarness.await("the new version's session of m1 ended", () -> second.ended.containsKey("m1"),
                () -> "first: " + first.outcomes + ", second: " + second.outcomes);

        assertEquals(ItemOutcome.Status.NOT_STARTED, first.outcomes.get("m1").status(), first.outcomes.get("m1").reason());
        assertEquals(ItemOutcome.Status.STARTED, second.outcomes.get("m1").status());
        EngineHarness.await("the first version's instance closed", () -> first.closed.get() == 1, first.closed::get);
        assertEquals(List.of(), first.violations);
        assertEquals(List.of(), harness.engine.sessionsInProgress(), "no session parked on the retired run");
    }

    @Test
    void aRetiredRunsTriggerHearsOfItsSessionsEndOnlyBetweenItsOwnCalls() throws Exception {
        CountDownLatch secondCallBegan = new CountDownLatch(1);
        CountDownLatch secondCallReturns = new CountDownLatch(1);
        Scripted first = new Scripted() {
            @Override
            List<TriggerResult> call(int number) {
                if (number == 1) {
                    return List.of(TriggerResult.of(Map.of(), "s1"));
                }
                if (number == 2) {
                    secondCallBegan.countDown();
                    awaitIgnoringInterrupts(secondCallReturns);
                }
                return List.of();
            }
        };
        AtomicInteger made = new AtomicInteger();
        harness.trigger("Scripted", () -> made.incrementAndGet() == 1 ? first : new Scripted());
        CountDownLatch stepRuns = new CountDownLatch(1);
        harness.processor("Held", () -> (input, step) -> {
            stepRuns.await();
            return input;
        });
        FlowDefinition v1 = EngineTest.withProcessor(flow("Scripted", "1"), "A", b -> b.type("Held"));
        harness.activate(v1);
        assertTrue(secondCallBegan.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the second call began");
        FlowRun retiring = harness.engine.activeRuns().get(0);
        FlowRun.TriggerSlot slot = retiring.triggers.values().iterator().next();

        // re-activated: the first run is retired with s1 running and its trigger in its second call
        harness.activate(EngineTest.withProcessor(v1, "A", b -> b.config(Map.of("version", "2"))));
        stepRuns.countDown();
        EngineHarness.await("the end of s1 told or waiting for the call", () -> first.ended.containsKey("s1") || !slot.endsToTell.isEmpty(),
                () -> first.ended);
        secondCallReturns.countDown();
        EngineHarness.await("the trigger told of s1's end", () -> first.ended.containsKey("s1"), () -> first.ended);
        harness.awaitEnded(1);
        assertEquals(List.of(), first.violations);
    }

    /**
     * The new version's trigger reads its source while a session of the retired version, started for the same item,
     * ends: the end is told (and the item acknowledged) only after the new version's call, whose item meets the session
     * still live as a duplicate. Told meanwhile to the retired version's instance, the end would release the item's
     * mark before the call's items start: a second session for an item the first one already acknowledged.
     */
    @Test
    void anEndOfARetiredRunWaitsForTheCallOfTheVersionThatReplacedIt() throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Scripted first = new Scripted() {
            @Override
            List<TriggerResult> call(int number) {
                return number == 1 ? List.of(TriggerResult.of(Map.of(), "s1")) : List.of();
            }

            @Override
            public void sessionEnded(SessionUpdate update) {
                super.sessionEnded(update);
                acknowledged.add(update.triggerMark());
            }
        };
        CountDownLatch secondInCall = new CountDownLatch(1);
        CountDownLatch secondReturns = new CountDownLatch(1);
        Scripted second = new Scripted() {
            @Override
            List<TriggerResult> call(int number) {
                if (number > 1) {
                    return List.of();
                }
                // the source as the call reads it: s1 is not acknowledged yet
                boolean pending = !acknowledged.contains("s1");
                secondInCall.countDown();
                awaitIgnoringInterrupts(secondReturns);
                return pending ? List.of(TriggerResult.of(Map.of(), "s1")) : List.of();
            }

            @Override
            public void sessionEnded(SessionUpdate update) {
                super.sessionEnded(update);
                acknowledged.add(update.triggerMark());
            }
        };
        AtomicInteger made = new AtomicInteger();
        harness.trigger("Scripted", () -> made.incrementAndGet() == 1 ? first : second);
        CountDownLatch stepRuns = new CountDownLatch(1);
        harness.processor("Held", () -> (input, step) -> {
            stepRuns.await();
            return input;
        });
        FlowDefinition v1 = EngineTest.withProcessor(flow("Scripted", "1"), "A", b -> b.type("Held"));
        harness.activate(v1);
        EngineHarness.await("s1 started", () -> first.outcomes.containsKey("s1"), () -> first.outcomes);
        FlowRun.TriggerSlot retiredSlot = harness.engine.activeRuns().get(0).triggers.values().iterator().next();

        // re-activated with s1 running; the new version's first call has read s1 as pending when s1 ends
        harness.activate(EngineTest.withProcessor(v1, "A", b -> b.config(Map.of("version", "2"))));
        assertTrue(secondInCall.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the new version's call began");
        stepRuns.countDown();
        EngineHarness.await("the end of s1 told, or waiting for the call", () -> acknowledged.contains("s1")
                || !retiredSlot.endsToTell.isEmpty(), () -> first.ended);
        secondReturns.countDown();

        EngineHarness.await("the new version's call answered", () -> second.outcomes.containsKey("s1"), () -> second.outcomes);
        ItemOutcome again = second.outcomes.get("s1");
        assertEquals(ItemOutcome.Status.DUPLICATE, again.status(), "the item of a session not yet told ended meets it live: " + again);
        assertEquals(first.outcomes.get("s1").sessionId(), again.sessionId());
        EngineHarness.await("the end of s1 told", () -> acknowledged.contains("s1"), () -> first.ended);
        harness.awaitEnded(1);
        assertEquals(List.of(), first.violations);
        assertEquals(List.of(), second.violations);
    }
}
