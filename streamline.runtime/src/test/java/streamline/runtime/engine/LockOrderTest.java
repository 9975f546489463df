package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.wal.LogEntry;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The lock order of docs/design.md: the journal's gate, then the flow activations' lock. A recovered session
 * resumes only after that lock is released, so a flow activated while the gate is closed (the log in use went
 * away) leaves the scheduler waiting at the gate without the lock, and a stop still goes through.
 */
class LockOrderTest {

    @TempDir
    Path directory;

    EngineHarness harness;

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    /** Whether a thread of the engine's scheduler waits to enter the journal's gate. */
    private static boolean schedulerWaitsAtTheGate() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(thread -> thread.getKey().getName().startsWith("streamline-scheduler"))
                .anyMatch(thread -> Arrays.stream(thread.getValue())
                        .anyMatch(frame -> frame.getClassName().equals(StepGate.class.getName()) && frame.getMethodName().equals("enter")));
    }

    @Test
    void aFlowActivatedWhileTheGateIsClosedResumesItsRecoveredSessionOutsideTheFlowLockAndAStopGoesThrough() throws Exception {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        FlowDefinition flow = TestFlows.flow("recovered", "A->B");
        UUID a = flow.processors().get(0).id();
        // a session whose first step completed before a crash, and whose next step's start was never logged
        UUID session = UUID.randomUUID();
        String mark = TriggerMarks.encode(null, "");
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        harness.wal.appendAll(List.of(LogEntry.stepStarted(session, flow.id(), a, "A", "", Map.of(), mark, 0, List.of()),
                LogEntry.stepCompleted(session, flow.id(), a, "A", "", Map.of(), mark, 0)));
        harness.start();

        // the log goes away (its gate closes), then the flow becomes active: resuming the session must log B's start
        harness.engine.detachWal(harness.wal);
        harness.save(flow);
        EngineHarness.await("the scheduler waiting at the closed gate to resume the session", LockOrderTest::schedulerWaitsAtTheGate,
                () -> harness.engine.activeFlows());

        Thread stopping = new Thread(harness.engine::stop, "stopping");
        stopping.start();
        stopping.join(EngineHarness.TIMEOUT.toMillis());
        assertFalse(stopping.isAlive(), "the stop is blocked: " + Arrays.toString(stopping.getStackTrace()));
    }
}
