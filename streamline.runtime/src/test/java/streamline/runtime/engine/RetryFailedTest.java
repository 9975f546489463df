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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.EngineException;
import streamline.api.engine.SessionInfo;
import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.testkit.TestFlows;

/** A failed session retried starts anew from its kept input, with its trigger and mark; a discarded one is gone. */
class RetryFailedTest {

    @TempDir
    Path directory;

    EngineHarness harness;
    final AtomicBoolean broken = new AtomicBoolean(true);
    /** What the "Check" step read, per session. */
    final Map<UUID, String> read = new ConcurrentHashMap<>();
    final OneItem trigger = new OneItem();

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
        harness.processor("Check", () -> (input, step) -> {
            try (InputStream in = step.readContent()) {
                read.put(step.sessionId(), new String(in.readAllBytes(), StandardCharsets.UTF_8) + "/" + input.metadata().get("name"));
            }
            if (broken.get()) {
                throw new IllegalStateException("target refused");
            }
            return input;
        });
        harness.trigger("OneItem", () -> trigger);
        harness.start();
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
    void aSessionThatFailedPastTheFlowsStartIsNotRetriedFromAnotherStepsInput() throws Exception {
        UUID failed = failedOnce(flow("later", "A->B", "B"));
        EngineException refused = assertThrows(EngineException.class, () -> harness.engine.retryFailed(failed));
        assertTrue(refused.getMessage().contains("it failed at processor B, which is not a first processor of flow later"),
                refused.getMessage());
        assertEquals(1, harness.engine.failedSessions().size());
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
