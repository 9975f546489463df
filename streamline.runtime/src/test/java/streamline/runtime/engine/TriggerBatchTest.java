package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.ContentSource;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * A trigger's batch starts as one unit and the trigger hears what became of every item; at most one
 * session per (trigger, mark) is live, so a trigger that re-emits what it has not seen end gets
 * every item processed once, across a restart too.
 */
class TriggerBatchTest {

    @TempDir
    Path directory;

    EngineHarness harness;
    /** The source the triggers read: items not yet acknowledged, kept outside the engine like a queue. */
    final Set<String> unacknowledged = ConcurrentHashMap.newKeySet();
    final List<ItemOutcome> outcomes = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    /**
     * A trigger that, ignoring everything it was told, emits every unacknowledged item on every call (a
     * source that redelivers until acknowledged), with content; it acknowledges an item when its session ends.
     */
    class Redelivering implements TriggerProcessor {
        volatile ContentSource brokenContentFor;
        volatile String brokenMark = "";

        @Override
        public ScheduleType scheduleType() {
            return ScheduleType.EVENT;
        }

        @Override
        public List<TriggerResult> trigger(TriggerContext context) {
            List<TriggerResult> items = new ArrayList<>();
            for (String mark : unacknowledged.stream().sorted().toList()) {
                byte[] content = ("content of " + mark).getBytes(StandardCharsets.UTF_8);
                ContentSource source = mark.equals(brokenMark) ? brokenContentFor : () -> new ByteArrayInputStream(content);
                items.add(new TriggerResult(Map.of("mark", mark), mark, source));
            }
            return items;
        }

        @Override
        public void itemsReceived(List<ItemOutcome> received) {
            batchSizes.add(received.size());
            outcomes.addAll(received);
        }

        @Override
        public void sessionEnded(SessionUpdate update) {
            if (!update.failed()) {
                unacknowledged.remove(update.triggerMark());
            }
        }
    }

    /** The run of the one flow these tests activate. */
    private FlowRun onlyRun() {
        List<FlowRun> runs = harness.engine.activeRuns();
        assertEquals(1, runs.size(), "one flow active");
        return runs.get(0);
    }

    private FlowDefinition flow(String nextType) {
        FlowDefinition flow = EngineTest.withProcessor(TestFlows.flow("batches", "A->B"), "B", b -> b.type(nextType));
        return flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T")
                .type("Redelivering").build()).build();
    }

    private EngineOptions options() {
        return harness.options().eventIdle(Duration.ofMillis(5)).build();
    }

    private long contentFiles() throws Exception {
        Path content = directory.resolve("work").resolve("content");
        if (!Files.isDirectory(content)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(content)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private long outcomes(ItemOutcome.Status status) {
        return outcomes.stream().filter(outcome -> outcome.status() == status).count();
    }

    /** The sessions that ended, by the mark of their item. */
    private Map<String, List<UUID>> sessionsByMark() {
        Map<String, List<UUID>> byMark = new ConcurrentHashMap<>();
        harness.ended.values().forEach(update -> byMark.computeIfAbsent(update.triggerMark(), m -> new ArrayList<>()).add(update.sessionId()));
        return byMark;
    }

    @Test
    void aRedeliveredItemWhoseSessionIsLiveIsADuplicateAcrossARestartToo() throws Exception {
        for (int i = 0; i < 20; i++) {
            unacknowledged.add(String.format("item-%02d", i));
        }
        Semaphore permits = new Semaphore(0);
        var gate = harness.processor("Gate", () -> (input, step) -> {
            permits.acquire();
            return input;
        });
        harness.trigger("Redelivering", Redelivering::new);
        harness.start(options());
        harness.activate(flow("Gate"));
        EngineHarness.await("every item started and redelivered while live",
                () -> outcomes(ItemOutcome.Status.STARTED) == 20 && outcomes(ItemOutcome.Status.DUPLICATE) >= 40, outcomes::size);
        permits.release(5);
        harness.awaitEnded(5);

        harness.stop(); // with 15 sessions in progress, and the source still holding their items
        harness.registry.removeProcessor(gate);
        harness.processor("Gate", () -> (input, step) -> input);
        harness.start(options());
        harness.save(flow("Gate"));
        EngineHarness.await("every item acknowledged", unacknowledged::isEmpty, unacknowledged::toString);
        harness.awaitEnded(20);

        assertEquals(20, outcomes(ItemOutcome.Status.STARTED), "one session started per item, over both runs");
        assertEquals(0, outcomes(ItemOutcome.Status.NOT_STARTED));
        sessionsByMark().forEach((mark, sessions) -> assertEquals(1, sessions.size(), mark + " had sessions " + sessions));
        assertEquals(20, sessionsByMark().size());
        for (ItemOutcome duplicate : outcomes.stream().filter(o -> o.status() == ItemOutcome.Status.DUPLICATE).toList()) {
            List<UUID> sessions = sessionsByMark().get(duplicate.item().triggerMark());
            assertEquals(List.of(duplicate.sessionId()), sessions, "a duplicate names the live session of its item");
        }
    }

    @Test
    void aBatchGoesToTheLogInOneWriteOrNotAtAllAndTheTriggerHearsEitherWay() throws Exception {
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        WalFailureTest.FullDiskLog log = new WalFailureTest.FullDiskLog(harness.wal);
        log.full = true;
        for (int i = 0; i < 10; i++) {
            unacknowledged.add("item-" + i);
        }
        harness.trigger("Redelivering", Redelivering::new);
        harness.start(options(), log);
        harness.activate(flow("Noop"));
        EngineHarness.await("batches refused", () -> outcomes(ItemOutcome.Status.NOT_STARTED) >= 20, outcomes::size);
        assertEquals(0, outcomes(ItemOutcome.Status.STARTED));
        assertTrue(outcomes.get(0).reason().contains("No space left on device"), outcomes.get(0).reason());
        assertTrue(outcomes.get(0).reason().contains("none of the 10 new items"), outcomes.get(0).reason());
        assertTrue(batchSizes.stream().allMatch(size -> size == 10), "every call's items told in one call: " + batchSizes);
        assertEquals(0, contentFiles(), "the content of items not started is not kept");
        assertTrue(harness.engine.sessionsInProgress().isEmpty());

        log.writes.clear();
        log.full = false;
        EngineHarness.await("every item through", unacknowledged::isEmpty, unacknowledged::toString);
        assertEquals(10, log.writes.get(0), "the first write after the log came back holds the batch's ten first steps");
        assertEquals(10, outcomes(ItemOutcome.Status.STARTED));
        harness.awaitEnded(10);
    }

    @Test
    void anItemWhoseContentCannotBeReadStartsNoneOfItsBatchAndEveryItemSaysWhy() throws Exception {
        for (int i = 0; i < 5; i++) {
            unacknowledged.add("item-" + i);
        }
        Redelivering trigger = new Redelivering();
        // as when the trigger's bundle stops while the engine reads its items' streams
        trigger.brokenContentFor = () -> {
            throw new IllegalStateException();
        };
        trigger.brokenMark = "item-3";
        harness.trigger("Redelivering", () -> trigger);
        harness.start(options());
        harness.activate(flow("Noop"));
        EngineHarness.await("a batch refused", () -> outcomes(ItemOutcome.Status.NOT_STARTED) >= 5, outcomes::size);
        ItemOutcome first = outcomes.get(0);
        assertTrue(first.reason().contains("item 'item-3': IllegalStateException"), first.reason());
        assertEquals(0, outcomes(ItemOutcome.Status.STARTED));
        assertTrue(harness.engine.sessionsInProgress().isEmpty());
        assertEquals(0, contentFiles(), "the items' content stored before the failure is deleted");

        trigger.brokenMark = "";
        EngineHarness.await("every item through once the content can be read", unacknowledged::isEmpty, unacknowledged::toString);
        harness.awaitEnded(5);
    }

    @Test
    void aSessionEndingWhileItsTriggerIsGoneWaitsToTellItSoTheItemIsNotDeliveredAgain() throws Exception {
        unacknowledged.add("only");
        Semaphore permits = new Semaphore(0);
        harness.processor("Gate", () -> (input, step) -> {
            permits.acquire();
            return input;
        });
        var provider = harness.trigger("Redelivering", Redelivering::new);
        harness.start(options());
        harness.activate(flow("Gate"));
        EngineHarness.await("the item started", () -> outcomes(ItemOutcome.Status.STARTED) == 1, outcomes::size);

        harness.registry.removeTrigger(provider); // the trigger's bundle stops while the session runs
        permits.release();
        EngineHarness.await("the session's steps done", () -> harness.engine.sessionsInProgress().size() == 1
                && harness.engine.sessionsInProgress().get(0).steps().isEmpty(), harness.engine::sessionsInProgress);
        // a negative check, once the end was parked: it must not be logged while no trigger can hear of it
        EngineHarness.await("the end parked for its trigger", () -> !onlyRun().parked.isEmpty(), () -> onlyRun().parked);
        assertTrue(harness.ended.isEmpty(), "the session's end waits for its trigger");
        assertEquals(Set.of("only"), unacknowledged, "the source still holds the item");

        harness.trigger("Redelivering", Redelivering::new); // the bundle is back
        harness.awaitEnded(1);
        EngineHarness.await("the trigger told, the item acknowledged", unacknowledged::isEmpty, unacknowledged::toString);
        assertEquals(1, outcomes(ItemOutcome.Status.STARTED), "the item was not delivered a second time");
        assertEquals(1, sessionsByMark().get("only").size());
    }

    @Test
    void anItemEmittedBeforeTheTriggerHeardItsSessionEndMeetsThatSessionNotASecondOne() throws Exception {
        unacknowledged.add("x");
        Semaphore permits = new Semaphore(0);
        harness.processor("Gate", () -> (input, step) -> {
            permits.acquire();
            return input;
        });
        CountDownLatch secondCallInside = new CountDownLatch(1);
        CountDownLatch secondCallMayReturn = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        harness.trigger("Redelivering", () -> new Redelivering() {
            @Override
            public List<TriggerResult> trigger(TriggerContext context) {
                List<TriggerResult> items = super.trigger(context); // what the source holds unacknowledged now
                if (calls.incrementAndGet() == 2) {
                    secondCallInside.countDown();
                    try {
                        secondCallMayReturn.await(); // meanwhile the item's session ends
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return calls.get() <= 2 ? items : List.of();
            }
        });
        harness.start(options());
        harness.activate(flow("Gate"));
        assertTrue(secondCallInside.await(30, TimeUnit.SECONDS));
        permits.release(); // the session of "x" completes while the call that emits "x" again is in progress
        EngineHarness.await("the session's steps done", () -> harness.engine.sessionsInProgress().size() == 1
                && harness.engine.sessionsInProgress().get(0).steps().isEmpty(), harness.engine::sessionsInProgress);
        // a negative check, once the end is queued for its trigger: it is not told (nor logged) while the call is in progress
        EngineHarness.await("the end queued until the call returns",
                () -> onlyRun().triggers.values().stream().anyMatch(slot -> !slot.endsToTell.isEmpty()), () -> onlyRun().triggers);
        assertTrue(harness.ended.isEmpty(), "the session's end waits for the call");
        assertEquals(Set.of("x"), unacknowledged);
        secondCallMayReturn.countDown();
        EngineHarness.await("the item acknowledged", unacknowledged::isEmpty, unacknowledged::toString);
        harness.awaitEnded(1);
        EngineHarness.await("both calls' outcomes told", () -> outcomes.size() == 2, outcomes::toString);
        assertEquals(List.of(ItemOutcome.Status.STARTED, ItemOutcome.Status.DUPLICATE),
                outcomes.stream().map(ItemOutcome::status).toList());
        // the second call's outcome (DUPLICATE) was decided when its items were started: no second session can follow
        assertEquals(1, harness.ended.size());
        assertEquals(1, sessionsByMark().get("x").size());
    }

    /**
     * The file log gives back an interrupt that met its write (the write done all the same): on a trigger's thread, the
     * interrupt that met the write of its batch is no sign that its flow stopped taking items. The trigger is called again
     * and its next items start; before, its calls ended for good while its flow stayed active.
     */
    @Test
    void aTriggerWhoseBatchWriteMetAnInterruptIsCalledAgain() throws Exception {
        AtomicBoolean interruptNextBatch = new AtomicBoolean(true);
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        WriteAheadLog interrupting = new WalFailureTest.FullDiskLogBase(harness.wal) {
            @Override
            public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
                long sequence = log.appendAll(entries);
                if (Thread.currentThread().getName().startsWith("streamline-trigger") && interruptNextBatch.getAndSet(false)) {
                    Thread.currentThread().interrupt(); // as the file log leaves an interrupt that met its write
                }
                return sequence;
            }
        };
        harness.trigger("Redelivering", Redelivering::new);
        unacknowledged.add("first");
        harness.start(options(), interrupting);
        harness.activate(flow("Noop"));
        EngineHarness.await("the first item acknowledged", unacknowledged::isEmpty, unacknowledged::toString);
        assertTrue(!interruptNextBatch.get(), "the batch's write met the interrupt");

        unacknowledged.add("second");
        EngineHarness.await("the trigger called again: the second item acknowledged", unacknowledged::isEmpty,
                () -> unacknowledged + ", outcomes " + outcomes);
        assertEquals(2, outcomes(ItemOutcome.Status.STARTED));
    }

    /**
     * A batch naming one mark twice whose start is refused: the repeat is answered not started too, never a duplicate
     * of the session that was not started (a source that commits on {@link ItemOutcome#accepted()} would lose the item).
     */
    @Test
    void aMarkNamedTwiceInABatchNotStartedIsNotAnsweredAsADuplicate() throws Exception {
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        WalFailureTest.FullDiskLog log = new WalFailureTest.FullDiskLog(harness.wal);
        log.full = true;
        unacknowledged.add("twice");
        harness.trigger("Redelivering", () -> new Redelivering() {
            @Override
            public List<TriggerResult> trigger(TriggerContext context) {
                List<TriggerResult> items = new ArrayList<>(super.trigger(context));
                items.addAll(super.trigger(context)); // the source hands the same item twice
                return items;
            }
        });
        harness.start(options(), log);
        harness.activate(flow("Noop"));
        EngineHarness.await("a batch refused", () -> outcomes.size() >= 2, outcomes::toString);
        assertEquals(List.of(ItemOutcome.Status.NOT_STARTED, ItemOutcome.Status.NOT_STARTED),
                outcomes.subList(0, 2).stream().map(ItemOutcome::status).toList(), outcomes.subList(0, 2).toString());

        log.full = false;
        EngineHarness.await("the item through once the log takes it", unacknowledged::isEmpty, unacknowledged::toString);
        harness.awaitEnded(1);
    }
}
