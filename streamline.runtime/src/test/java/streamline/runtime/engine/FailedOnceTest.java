package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.testkit.TestFlows;

/**
 * A session fails once: a branch that completes after another branch failed the session, while its trigger has not
 * heard of the end yet, neither rewrites the failed record (which says where a retry resumes) nor ends it again.
 */
class FailedOnceTest {

    @TempDir
    Path directory;

    /** Emits one item, then blocks its next call until released; records the ends it hears of. */
    static final class BusyTrigger implements TriggerProcessor {
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch inCall = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<SessionUpdate> ends = new CopyOnWriteArrayList<>();

        @Override
        public ScheduleType scheduleType() {
            return ScheduleType.EVENT;
        }

        @Override
        public List<TriggerResult> trigger(TriggerContext context) throws Exception {
            int call = calls.incrementAndGet();
            if (call == 1) {
                return List.of(new TriggerResult(Map.of("name", "o3.bin"), "inbox/o3.bin", null));
            }
            if (call == 2) {
                inCall.countDown();
                assertTrue(release.await(30, TimeUnit.SECONDS));
            }
            return List.of();
        }

        @Override
        public void sessionEnded(SessionUpdate update) {
            ends.add(update);
        }
    }

    @Test
    void aBranchCompletingAfterAnotherFailedTheSessionLeavesTheFailedStepsRecordAndTheEndAsTheyAre() throws Exception {
        BusyTrigger trigger = new BusyTrigger();
        AtomicReference<Thread> completing = new AtomicReference<>();
        CountDownLatch passRuns = new CountDownLatch(1);
        try (EngineHarness harness = new EngineHarness(directory)) {
            harness.processor("Fail", () -> (input, step) -> {
                assertTrue(trigger.inCall.await(30, TimeUnit.SECONDS));
                assertTrue(passRuns.await(30, TimeUnit.SECONDS));
                throw new IllegalStateException("bad input");
            });
            harness.processor("Pass", () -> (input, step) -> {
                passRuns.countDown();
                EngineHarness.await("the failed record is kept", () -> !harness.engine.failedSessions().isEmpty(),
                        harness.engine::failedSessions);
                completing.set(Thread.currentThread());
                return input;
            });
            harness.trigger("Busy", () -> trigger);
            harness.start();
            FlowDefinition flow = EngineTest.withProcessor(EngineTest.withProcessor(TestFlows.flow("branches", "A", "B"), "A",
                    a -> a.type("Fail").maxRetries(0)), "B", b -> b.type("Pass"));
            flow = flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T")
                    .type("Busy").build()).build();
            harness.activate(flow);
            EngineHarness.await("the completing step's worker is idle", () -> completing.get() != null
                    && Arrays.stream(completing.get().getStackTrace()).anyMatch(frame -> frame.getMethodName().equals("getTask")),
                    () -> Arrays.toString(completing.get() == null ? new Object[0] : completing.get().getStackTrace()));
            UUID failed = harness.engine.failedSessions().get(0).sessionId();
            String record = Files.readString(harness.engine.failedDirectory().resolve(failed.toString()).resolve("session.json"));
            assertTrue(record.contains("\"processorName\" : \"A\""), "the record names the step that failed: " + record);
            trigger.release.countDown();
            harness.awaitEnded(1);
            assertTrue(harness.ended.get(failed).failed());
            assertTrue(harness.ended.get(failed).error().contains("processor A"), harness.ended.get(failed).error());
            EngineHarness.await("the trigger heard of the end", () -> !trigger.ends.isEmpty(), trigger.ends::toString);
            harness.stop();
            assertEquals(1, trigger.ends.size(), "the trigger hears of the session's end once: " + trigger.ends);
        }
    }
}
