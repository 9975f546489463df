package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
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
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.api.wal.LogEntry;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

class TriggerTest {

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

    /** An event trigger that emits the marks item-0 … item-(n-1), at most capacity at a time, and records the ends. */
    static class Items implements TriggerProcessor {
        final AtomicInteger next = new AtomicInteger();
        final int total;
        final Map<String, SessionUpdate> ended = new ConcurrentHashMap<>();
        final AtomicInteger calls = new AtomicInteger();

        Items(int total) {
            this.total = total;
        }

        @Override
        public ScheduleType scheduleType() {
            return ScheduleType.EVENT;
        }

        @Override
        public List<TriggerResult> trigger(TriggerContext context) {
            calls.incrementAndGet();
            List<TriggerResult> results = new ArrayList<>();
            while (results.size() < context.capacity() && next.get() < total) {
                int n = next.getAndIncrement();
                results.add(TriggerResult.of(Map.of("n", n), "item-" + n));
            }
            return results;
        }

        @Override
        public void sessionEnded(SessionUpdate update) {
            ended.put(update.triggerMark(), update);
        }
    }

    private static FlowDefinition withTrigger(FlowDefinition flow, String type, String cron, boolean singleNode) {
        return flow.toBuilder().trigger(TriggerDefinition.builder()
                .id(TriggerDefinition.idFromName(flow.id(), "T")).name("T").type(type)
                .cronExpression(cron).singleNode(singleNode).build()).build();
    }

    /** Live threads of the engine's trigger pool. */
    private static long triggerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith("streamline-trigger")).count();
    }

    @Test
    void idleEventTriggersHoldNoThreadEachAndAnIdleOneStillStartsItsSession() throws Exception {
        harness.start(harness.options().eventIdle(Duration.ofMillis(20)).build());
        int flows = 200;
        List<Items> triggers = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            Items idle = new Items(0);
            triggers.add(idle);
            harness.trigger("Idle" + i, () -> idle);
            harness.activate(withTrigger(TestFlows.flow("idle-" + i, "A"), "Idle" + i, "", false));
        }
        EngineHarness.await("every idle trigger called a few times", () -> triggers.stream().allMatch(t -> t.calls.get() >= 3),
                () -> triggers.stream().mapToInt(t -> t.calls.get()).min());
        // a thread each would be 200; the calls take microseconds, so the two base threads serve them all
        assertTrue(triggerThreads() <= 4, triggerThreads() + " trigger threads for " + flows + " idle triggers");

        // a trigger idle long enough to be polled at its slowest gets an item: its session still starts
        AtomicBoolean ready = new AtomicBoolean();
        List<Long> calledAt = new CopyOnWriteArrayList<>();
        Items late = new Items(1) {
            @Override
            public List<TriggerResult> trigger(TriggerContext context) {
                calledAt.add(System.nanoTime());
                return ready.get() ? super.trigger(context) : List.of();
            }
        };
        harness.trigger("Late", () -> late);
        harness.activate(withTrigger(TestFlows.flow("late", "A"), "Late", "", false));
        EngineHarness.await("the late trigger idle for a while", () -> calledAt.size() >= 12, calledAt::size);
        // its pause doubles from 20 ms and stays at about a second: doubling on, the last would be 40 s
        long longest = 0;
        for (int i = 1; i < calledAt.size(); i++) {
            longest = Math.max(longest, calledAt.get(i) - calledAt.get(i - 1));
        }
        assertTrue(longest < TimeUnit.SECONDS.toNanos(2), "an idle trigger is called at least about every second, "
                + "so a dropped file starts its session within it; longest pause " + longest / 1_000_000 + " ms");
        ready.set(true);
        EngineHarness.await("the late item's session ended", () -> late.ended.containsKey("item-0"), () -> late.ended);
    }

    @Test
    void anEventTriggerIsHeldBackAtTheFlowsLimitAndHearsAboutEverySessionItStarted() throws Exception {
        harness.start(harness.options().maxSessionsPerFlow(5).eventIdle(Duration.ofMillis(5)).build());
        Semaphore permits = new Semaphore(0);
        harness.processor("Gate", () -> (input, step) -> {
            permits.acquire();
            return input;
        });
        Items items = new Items(30);
        harness.trigger("Items", () -> items);
        // single-node with a coordinator that always agrees: it is asked at every turn, which lets the test count turns
        AtomicInteger turns = new AtomicInteger();
        harness.engine.setCoordinator((flowId, triggerId) -> turns.incrementAndGet() > 0);
        harness.activate(withTrigger(EngineTest.withProcessor(TestFlows.flow("events", "A->B"), "B", b -> b.type("Gate")),
                "Items", "", true));
        EngineHarness.await("the flow full", () -> harness.engine.sessionsInProgress().size() == 5,
                () -> harness.engine.sessionsInProgress().size());
        int full = turns.get();
        EngineHarness.await("five more turns at the limit", () -> turns.get() >= full + 5, turns::get);
        assertEquals(5, harness.engine.sessionsInProgress().size(), "no more than the limit in progress");
        assertEquals(5, items.next.get(), "the trigger was given no capacity beyond the limit");
        for (int released = 0; released < 30; released++) {
            permits.release();
            int inProgress = harness.engine.sessionsInProgress().size();
            assertTrue(inProgress <= 5, "in progress: " + inProgress);
        }
        harness.awaitEnded(30);
        EngineHarness.await("every end told to the trigger", () -> items.ended.size() == 30, items.ended::keySet);
        for (int n = 0; n < 30; n++) {
            SessionUpdate update = items.ended.get("item-" + n);
            assertTrue(update.finished() && !update.failed(), "item-" + n + ": " + update);
        }
    }

    @Test
    void aTriggerIsToldAgainAfterACrashBetweenTellingItAndLoggingTheEnd() throws Exception {
        // what the log holds after such a crash: every step completed, no SESSION_FINISHED
        FlowDefinition flow = withTrigger(TestFlows.flow("told-again", "A"), "Items", "", false);
        UUID session = UUID.randomUUID();
        UUID trigger = TriggerDefinition.idFromName(flow.id(), "T");
        UUID step = TestFlows.id("told-again", "A");
        String logged = TriggerMarks.encode(trigger, "item-7");
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        harness.wal.append(LogEntry.stepStarted(session, flow.id(), step, "A", "", Map.of(), logged, 0, List.of()));
        harness.wal.append(LogEntry.stepCompleted(session, flow.id(), step, "A", "", Map.of(), logged, 0));
        Items items = new Items(0);
        harness.trigger("Items", () -> items);
        harness.start();
        harness.activate(flow);
        EngineHarness.await("the trigger told", () -> items.ended.containsKey("item-7"), items.ended::keySet);
        harness.awaitEnded(1);
        assertTrue(harness.wal.liveEntries().isEmpty(), "the end is logged now");
    }

    @Test
    void anEndToldToItsTriggerIsLoggedBeforeACleanStopEnds() throws Exception {
        // a recovered session whose steps all completed: its end is told to the trigger (which deletes a source file and
        // forces its folder, taking a while), then logged; a stop beginning meanwhile must not leave it told but unlogged
        FlowDefinition flow = withTrigger(TestFlows.flow("told-at-stop", "A"), "Slow", "", false);
        UUID session = UUID.randomUUID();
        UUID trigger = TriggerDefinition.idFromName(flow.id(), "T");
        UUID step = TestFlows.id("told-at-stop", "A");
        String logged = TriggerMarks.encode(trigger, "item-3");
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        harness.wal.append(LogEntry.stepStarted(session, flow.id(), step, "A", "", Map.of(), logged, 0, List.of()));
        harness.wal.append(LogEntry.stepCompleted(session, flow.id(), step, "A", "", Map.of(), logged, 0));
        CountDownLatch told = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Items slow = new Items(0) {
            @Override
            public void sessionEnded(SessionUpdate update) {
                told.countDown();
                boolean interrupted = false;
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        interrupted = true; // the stop interrupts the engine's threads: the trigger finishes its work all the same
                    }
                }
                super.sessionEnded(update);
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        harness.trigger("Slow", () -> slow);
        harness.start(harness.options().stopGrace(EngineHarness.TIMEOUT).build());
        harness.activate(flow);
        assertTrue(told.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the trigger told of the recovered end");

        StreamlineEngine engine = harness.engine;
        Thread stopper = new Thread(engine::stop, "stopper");
        stopper.start();
        EngineHarness.await("the stop closing the gate", engine::gateClosed, stopper::getState);
        release.countDown();
        stopper.join(EngineHarness.TIMEOUT.toMillis());
        assertFalse(stopper.isAlive(), "the stop ended");

        assertTrue(slow.ended.containsKey("item-3"), "the trigger heard of the end");
        assertEquals(List.of(), EngineHarness.liveSessions(harness.wal), "the end the trigger heard of is logged by the clean stop");
    }

    @Test
    void aCronTriggerFiresOnItsSchedule() throws Exception {
        harness.start();
        AtomicInteger calls = new AtomicInteger();
        harness.trigger("Tick", () -> new TriggerProcessor() {
            @Override
            public ScheduleType scheduleType() {
                return ScheduleType.CRON;
            }

            @Override
            public List<TriggerResult> trigger(TriggerContext context) {
                return List.of(TriggerResult.of(Map.of("tick", calls.incrementAndGet()), "tick-" + calls.get()));
            }
        });
        harness.activate(withTrigger(TestFlows.flow("cron", "A"), "Tick", "* * * * * *", false));
        harness.awaitEnded(2);
        assertTrue(calls.get() >= 2);
    }

    @Test
    void aFailingTriggerIsBackedOffAndHarmsNothingElse() throws Exception {
        harness.start();
        List<Long> failingCalls = new CopyOnWriteArrayList<>();
        harness.trigger("Failing", () -> new TriggerProcessor() {
            @Override
            public ScheduleType scheduleType() {
                return ScheduleType.EVENT;
            }

            @Override
            public List<TriggerResult> trigger(TriggerContext context) {
                failingCalls.add(System.nanoTime());
                throw new IllegalStateException("source unreachable");
            }
        });
        Items items = new Items(10);
        harness.trigger("Items", () -> items);
        harness.activate(withTrigger(TestFlows.flow("failing-trigger", "A"), "Failing", "", false));
        harness.activate(withTrigger(TestFlows.flow("healthy", "A"), "Items", "", false));
        harness.awaitEnded(10);
        EngineHarness.await("the failing trigger called three times", () -> failingCalls.size() >= 3, failingCalls::size);
        // backed off 1 s after the first failure, then 2 s: without the backoff the calls would follow each other
        // every event.idle.ms
        long first = TimeUnit.NANOSECONDS.toMillis(failingCalls.get(1) - failingCalls.get(0));
        long second = TimeUnit.NANOSECONDS.toMillis(failingCalls.get(2) - failingCalls.get(1));
        assertTrue(first >= 900 && second >= 1900, "pauses between the calls: " + first + " ms, " + second + " ms");
    }

    @Test
    void aSingleNodeTriggerRunsOnlyWhenTheCoordinatorSaysSo() throws Exception {
        harness.start();
        AtomicBoolean leader = new AtomicBoolean(false);
        Set<String> asked = ConcurrentHashMap.newKeySet();
        AtomicInteger askings = new AtomicInteger();
        harness.engine.setCoordinator((flowId, triggerId) -> {
            asked.add(flowId + "/" + triggerId);
            askings.incrementAndGet();
            return leader.get();
        });
        Items items = new Items(3);
        harness.trigger("Items", () -> items);
        FlowDefinition flow = harness.activate(withTrigger(TestFlows.flow("single", "A"), "Items", "", true));
        // a negative check over several turns: the coordinator is asked at each, and says no
        EngineHarness.await("the coordinator asked at five turns", () -> askings.get() >= 5, askings::get);
        assertEquals(0, items.calls.get(), "not called while another node leads");
        assertEquals(Set.of(flow.id() + "/" + TriggerDefinition.idFromName(flow.id(), "T")), asked);
        leader.set(true);
        harness.awaitEnded(3);
    }
}
