package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.EngineException;
import streamline.api.engine.SessionInfo;
import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.Processor;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/** A failed session retried starts anew from its kept input, with its trigger and mark; a discarded one is gone. */
class RetryFailedTest {

    @TempDir
    Path directory;

    EngineHarness harness;
    final AtomicBoolean broken = new AtomicBoolean(true);
    /** What the "Check" step read, per session. */
    final Map<UUID, String> read = new ConcurrentHashMap<>();
    final OneItem trigger = new OneItem();
    /** How often the "Tag" step ran. */
    final AtomicInteger tagged = new AtomicInteger();

    /** Emits one item with content, once, and records the ends it hears of. */
    static final class OneItem implements TriggerProcessor {
        final AtomicBoolean emitted = new AtomicBoolean();
        final List<SessionUpdate> ends = new CopyOnWriteArrayList<>();

        @Override
        public ScheduleType scheduleType() {
            return ScheduleType.EVENT;
        }

        @Override
        public List<TriggerResult> trigger(TriggerContext context) {
            if (emitted.getAndSet(true)) {
                return List.of();
            }
            return List.of(new TriggerResult(Map.of("name", "o3.bin"), "inbox/o3.bin",
                    () -> new ByteArrayInputStream("payload".getBytes(StandardCharsets.UTF_8))));
        }

        @Override
        public void sessionEnded(SessionUpdate update) {
            ends.add(update);
        }
    }

    @BeforeEach
    void start() throws Exception {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        harness.processor("Tag", () -> (input, step) -> {
            tagged.incrementAndGet();
            return input.with("name", input.metadata().get("name") + "+A");
        });
        harness.processor("Check", this::check);
        harness.processor("CheckAfterTag", () -> {
            Processor check = check();
            return (input, step) -> {
                EngineHarness.await("the other first step ran", () -> tagged.get() > 0, tagged::toString);
                return check.process(input, step);
            };
        });
        harness.trigger("OneItem", () -> trigger);
        harness.start();
    }

    /** Reads its content and metadata, and fails while {@link #broken} is set. */
    private Processor check() {
        return (input, step) -> {
            try (InputStream in = step.readContent()) {
                read.put(step.sessionId(), new String(in.readAllBytes(), StandardCharsets.UTF_8) + "/" + input.metadata().get("name"));
            }
            if (broken.get()) {
                throw new IllegalStateException("target refused");
            }
            return input;
        };
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    private FlowDefinition flow(String name, String edges, String failing) {
        FlowDefinition flow = EngineTest.withProcessor(TestFlows.flow(name, edges), failing, b -> b.type("Check").maxRetries(0));
        return flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T")
                .type("OneItem").build()).build();
    }

    private UUID failedOnce(FlowDefinition flow) throws Exception {
        harness.activate(flow);
        harness.awaitEnded(1);
        UUID failed = harness.ended.keySet().iterator().next();
        assertTrue(harness.ended.get(failed).failed());
        EngineHarness.await("the trigger heard of the failure", () -> trigger.ends.size() == 1, trigger.ends::toString);
        return failed;
    }

    @Test
    void aRetryStartsANewSessionFromTheKeptInputWithTheTriggerAndMarkAndRemovesTheRecord() throws Exception {
        UUID failed = failedOnce(flow("retried", "A", "A"));
        broken.set(false);
        UUID retried = harness.engine.retryFailed(failed);
        assertNotEquals(failed, retried);
        assertTrue(harness.engine.failedSessions().isEmpty(), "the record is removed once the new session started");
        assertFalse(Files.exists(harness.engine.failedDirectory().resolve(failed.toString())));
        harness.awaitEnded(2);
        assertFalse(harness.ended.get(retried).failed(), harness.ended.get(retried).error());
        assertEquals("payload/o3.bin", read.get(retried), "the kept content and metadata");
        EngineHarness.await("the trigger heard of the retry's end", () -> trigger.ends.size() == 2, trigger.ends::toString);
        SessionUpdate end = trigger.ends.get(1);
        assertEquals(retried, end.sessionId());
        assertEquals("inbox/o3.bin", end.triggerMark());
        assertFalse(end.failed());
        EngineException gone = assertThrows(EngineException.class, () -> harness.engine.retryFailed(failed));
        assertTrue(gone.getMessage().contains("no failed session " + failed), gone.getMessage());
    }

    @Test
    void aRetryWhileTheFlowIsInactiveIsRefusedWithTheReasonAndKeepsTheRecord() throws Exception {
        FlowDefinition flow = flow("inactive", "A", "A");
        UUID failed = failedOnce(flow);
        harness.flows.setActive(flow.id(), false);
        EngineHarness.await("the flow stopped", () -> harness.engine.activeFlows().isEmpty(), harness.engine::activeFlows);
        EngineException refused = assertThrows(EngineException.class, () -> harness.engine.retryFailed(failed));
        assertEquals("failed session " + failed + " is not retried: its flow inactive (" + flow.id() + ") is not active",
                refused.getMessage());
        assertEquals(List.of(failed), harness.engine.failedSessions().stream().map(SessionInfo::sessionId).toList());
    }

    @Test
    void aSessionThatFailedAtALaterStepIsRetriedFromThatStepWithItsKeptInputAndTheTriggerHearsOfItsEndWithTheMark() throws Exception {
        FlowDefinition flow = EngineTest.withProcessor(flow("later", "A->B", "B"), "A", a -> a.type("Tag"));
        UUID failed = failedOnce(flow);
        assertEquals("payload/o3.bin+A", read.get(failed));
        broken.set(false);
        UUID retried = harness.engine.retryFailed(failed);
        assertTrue(harness.engine.failedSessions().isEmpty(), "the record is removed once the new session started");
        harness.awaitEnded(2);
        assertFalse(harness.ended.get(retried).failed(), harness.ended.get(retried).error());
        assertEquals("payload/o3.bin+A", read.get(retried), "the failed step's kept content and metadata");
        assertEquals(1, tagged.get(), "the retry resumed at the failed step: the step before it did not run again");
        EngineHarness.await("the trigger heard of the retry's end", () -> trigger.ends.size() == 2, trigger.ends::toString);
        SessionUpdate end = trigger.ends.get(1);
        assertEquals(retried, end.sessionId());
        assertEquals("inbox/o3.bin", end.triggerMark());
        assertFalse(end.failed());
        assertTrue(harness.wal.liveEntries().isEmpty(), "the retried session ended in the log");
    }

    @Test
    void aSessionThatFailedAtOneOfTwoFirstStepsIsRetriedAtThatStepAndTheOtherDoesNotRunAgain() throws Exception {
        FlowDefinition twoFirst = flow("two first", "A", "A").toBuilder().build();
        twoFirst = EngineTest.withProcessor(TestFlows.flow("two first", "A", "B").toBuilder().triggers(twoFirst.triggers()).build(),
                "A", a -> a.type("CheckAfterTag").maxRetries(0));
        twoFirst = EngineTest.withProcessor(twoFirst, "B", b -> b.type("Tag"));
        UUID failed = failedOnce(twoFirst);
        assertEquals(1, tagged.get(), "the other first step ran once in the failed session");
        broken.set(false);
        UUID retried = harness.engine.retryFailed(failed);
        harness.awaitEnded(2);
        assertFalse(harness.ended.get(retried).failed(), harness.ended.get(retried).error());
        assertEquals("payload/o3.bin", read.get(retried));
        assertEquals(1, tagged.get(), "the retry resumed at the failed step: the flow's other first step, which had run, did not run again");
    }

    @Test
    void aRetryOfAStepTheFlowNoLongerHasIsRefusedNamingFlowStepAndSession() throws Exception {
        FlowDefinition flow = flow("changed", "A->B", "B");
        UUID failed = failedOnce(flow);
        FlowDefinition withoutB = TestFlows.flow("changed", "A->C").toBuilder().triggers(flow.triggers()).build();
        harness.activate(withoutB);
        EngineException refused = assertThrows(EngineException.class, () -> harness.engine.retryFailed(failed));
        assertEquals("failed session " + failed + " is not retried: it failed at step B, which flow changed no longer has",
                refused.getMessage());
        assertEquals(List.of(failed), harness.engine.failedSessions().stream().map(SessionInfo::sessionId).toList());
    }

    @Test
    void aCrashBetweenTheRetrysStartAndTheRecordsRemovalLeavesExactlyOneOfThem() throws Exception {
        harness.close();
        CrashCopyLog crashing = new CrashCopyLog(FileWriteAheadLog.open(directory.resolve("wal"), "always"), directory,
                directory.resolve("crash"));
        harness = new EngineHarness(directory);
        harness.processor("Tag", () -> (input, step) -> {
            tagged.incrementAndGet();
            return input.with("name", input.metadata().get("name") + "+A");
        });
        harness.processor("Check", () -> check());
        harness.trigger("OneItem", () -> trigger);
        harness.start(harness.options().build(), crashing);
        FlowDefinition flow = EngineTest.withProcessor(flow("crash", "A->B", "B"), "A", a -> a.type("Tag"));
        UUID failed = failedOnce(flow);
        broken.set(false);
        crashing.armed = true;
        UUID retried = harness.engine.retryFailed(failed);
        assertTrue(Files.isDirectory(crashing.copy), "the folders were copied as the retry's start was logged");
        harness.close();
        crashing.close();

        // the folders as a crash right after the new session's start was logged left them
        OneItem heard = new OneItem();
        heard.emitted.set(true);
        try (EngineHarness restarted = new EngineHarness(crashing.copy)) {
            restarted.processor("Tag", () -> (input, step) -> input.with("name", "tagged again"));
            restarted.processor("Check", () -> check());
            restarted.trigger("OneItem", () -> heard);
            restarted.start();
            assertTrue(restarted.engine.failedSessions().isEmpty(), "the failed record of a session retried is gone: "
                    + restarted.engine.failedSessions());
            restarted.flows.save(flow);
            restarted.awaitEnded(1);
            assertFalse(restarted.ended.get(retried).failed(), restarted.ended.get(retried).error());
            assertEquals("payload/o3.bin+A", read.get(retried));
            EngineHarness.await("the trigger heard of the retry's end", () -> heard.ends.size() == 1, heard.ends::toString);
            assertEquals("inbox/o3.bin", heard.ends.get(0).triggerMark());
            assertTrue(restarted.engine.failedSessions().isEmpty());
            assertThrows(EngineException.class, () -> restarted.engine.retryFailed(failed), "nothing left to retry twice");
        }
    }

    @Test
    void aRetryWhoseStartTheLogRefusedKeepsTheRecordThroughARestartAndIsRetriedLater() throws Exception {
        harness.close();
        CrashCopyLog refusing = new CrashCopyLog(FileWriteAheadLog.open(directory.resolve("wal"), "always"), directory,
                directory.resolve("unused"));
        harness = new EngineHarness(directory);
        harness.processor("Tag", () -> (input, step) -> {
            tagged.incrementAndGet();
            return input.with("name", input.metadata().get("name") + "+A");
        });
        harness.processor("Check", this::check);
        harness.trigger("OneItem", () -> trigger);
        harness.start(harness.options().build(), refusing);
        FlowDefinition flow = EngineTest.withProcessor(flow("refused", "A->B", "B"), "A", a -> a.type("Tag"));
        UUID failed = failedOnce(flow);
        broken.set(false);
        refusing.refuse = true;
        EngineException refused = assertThrows(EngineException.class, () -> harness.engine.retryFailed(failed));
        assertTrue(refused.getMessage().startsWith("failed session " + failed + " is not retried: could not log the start"),
                refused.getMessage());
        assertEquals(List.of(failed), harness.engine.failedSessions().stream().map(SessionInfo::sessionId).toList());
        assertTrue(Files.readString(harness.engine.failedDirectory().resolve(failed.toString()).resolve("session.json"))
                .contains("\"retriedAs\" : null"), "the record names no retry once the retry was not started");
        harness.close();
        refusing.close();

        try (EngineHarness restarted = new EngineHarness(directory)) {
            OneItem heard = new OneItem();
            heard.emitted.set(true);
            restarted.processor("Tag", () -> (input, step) -> input.with("name", "tagged again"));
            restarted.processor("Check", this::check);
            restarted.trigger("OneItem", () -> heard);
            restarted.start();
            assertEquals(List.of(failed), restarted.engine.failedSessions().stream().map(SessionInfo::sessionId).toList(),
                    "a record whose retry never reached the log stays after a restart");
            restarted.activate(flow);
            UUID retried = restarted.engine.retryFailed(failed);
            restarted.awaitEnded(1);
            assertFalse(restarted.ended.get(retried).failed(), restarted.ended.get(retried).error());
            assertEquals("payload/o3.bin+A", read.get(retried));
            assertTrue(restarted.engine.failedSessions().isEmpty());
            EngineHarness.await("the trigger heard of the retry's end", () -> heard.ends.size() == 1, heard.ends::toString);
        }
    }

    /**
     * A log that copies the engine's folders once, when armed, right after it took a write with a step's start; or,
     * while told to refuse, refuses such writes as a full disk would.
     */
    static final class CrashCopyLog implements WriteAheadLog, AutoCloseable {
        final FileWriteAheadLog log;
        final Path directory;
        final Path copy;
        volatile boolean armed;
        volatile boolean refuse;

        CrashCopyLog(FileWriteAheadLog log, Path directory, Path copy) {
            this.log = log;
            this.directory = directory;
            this.copy = copy;
        }

        private List<LogEntry> check(List<LogEntry> entries) throws WriteAheadLogException {
            if (refuse && entries.stream().anyMatch(e -> e.kind() == LogEntry.Kind.STEP_STARTED)) {
                throw new WriteAheadLogException("cannot append to wal/segment-000000000001.wal: No space left on device");
            }
            return entries;
        }

        private long copyAfter(List<LogEntry> entries, long sequence) throws WriteAheadLogException {
            if (armed && entries.stream().anyMatch(e -> e.kind() == LogEntry.Kind.STEP_STARTED)) {
                armed = false;
                try {
                    WaitingTest.copyTree(directory.resolve("wal"), copy.resolve("wal"));
                    WaitingTest.copyTree(directory.resolve("work"), copy.resolve("work"));
                } catch (Exception e) {
                    throw new AssertionError("could not copy the folders", e);
                }
            }
            return sequence;
        }

        @Override
        public long append(LogEntry entry) throws WriteAheadLogException {
            return copyAfter(check(List.of(entry)), log.append(entry));
        }

        @Override
        public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
            return copyAfter(check(entries), log.appendAll(entries));
        }

        @Override
        public long appendUnforced(List<LogEntry> entries) throws WriteAheadLogException {
            return copyAfter(check(entries), log.appendUnforced(entries));
        }

        @Override
        public List<LogEntry> entries() throws WriteAheadLogException {
            return log.entries();
        }

        @Override
        public List<LogEntry> liveEntries() throws WriteAheadLogException {
            return log.liveEntries();
        }

        @Override
        public void close() throws Exception {
            log.close();
        }
    }

    @Test
    void aDiscardRemovesTheRecordAndItsContent() throws Exception {
        UUID failed = failedOnce(flow("discarded", "A", "A"));
        assertTrue(Files.exists(harness.engine.failedDirectory().resolve(failed.toString()).resolve("content")));
        harness.engine.discardFailed(failed);
        assertTrue(harness.engine.failedSessions().isEmpty());
        assertFalse(Files.exists(harness.engine.failedDirectory().resolve(failed.toString())));
        assertThrows(EngineException.class, () -> harness.engine.discardFailed(failed));
    }
}
