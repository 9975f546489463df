package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.track.BranchTracker;
import streamline.api.track.StepCompletion;
import streamline.testkit.TestFlows;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * A step that returned just before the stop retired the journal counts its completion in the tracker, a service
 * the next engine of the same process shares, either before the stop forgets the engine's sessions there or not
 * at all: counted after, it would be refused (and taken for the session's failure by an engine that logs nothing
 * more), or counted into the next engine's restored session, which then refuses that engine's own run of the step.
 */
class StoppedEngineTrackerTest {

    @TempDir
    Path directory;

    EngineHarness harness;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void aCompletionCountedAfterTheStopLeavesTheNextEngineAlone() throws Exception {
        harness = new EngineHarness(directory);
        CountDownLatch inTracker = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch runningAgain = new CountDownLatch(1);
        CountDownLatch stragglerDone = new CountDownLatch(1);
        AtomicReference<Thread> worker = new AtomicReference<>();
        AtomicInteger runsOfA = new AtomicInteger();
        BranchTracker paused = new PausingTracker(harness.tracker, () -> {
            if (worker.compareAndSet(null, Thread.currentThread())) {
                inTracker.countDown();
                awaitIgnoringInterrupts(release);
            }
        });
        harness.processor("Noop", () -> (input, step) -> {
            if ("A".equals(step.processorName()) && runsOfA.incrementAndGet() == 2) {
                runningAgain.countDown();
                awaitIgnoringInterrupts(stragglerDone);
            }
            return input;
        });
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        EngineOptions options = harness.options().stopGrace(Duration.ZERO).build();
        harness.engine = new StreamlineEngine(options, paused, harness.registry);
        harness.engine.start(harness.wal, harness.flows);
        FlowDefinition flow = harness.activate(TestFlows.flow("late-next", "A->B"));
        UUID session = harness.submit(flow, Map.of());
        assertTrue(inTracker.await(30, TimeUnit.SECONDS), "step A returned and counts its completion");
        StreamlineEngine stopping = harness.engine;
        Thread stop = new Thread(stopping::stop, "stop");
        stop.start();
        // the count goes on once the stop is over, or once it waits for the count to be over before it retires the log
        EngineHarness.await("the stop over or retiring the log", () -> !stop.isAlive() || inRetire(stop),
                () -> List.of(stop.getStackTrace()));
        release.countDown();
        stop.join(EngineHarness.TIMEOUT.toMillis());
        assertFalse(stop.isAlive(), "the stop is over");

        // the next engine of the process, on the same log and tracker, runs step A of the session again
        harness.engine = new StreamlineEngine(options, paused, harness.registry);
        harness.engine.addListener(update -> harness.ended.put(update.sessionId(), update));
        harness.engine.start(harness.wal, harness.flows);
        assertTrue(runningAgain.await(30, TimeUnit.SECONDS), "the next engine runs step A again");
        worker.get().join(EngineHarness.TIMEOUT.toMillis());
        assertFalse(worker.get().isAlive(), "the stopped engine's worker ended");
        stragglerDone.countDown();

        harness.awaitEnded(1);
        assertFalse(harness.ended.get(session).failed(), () -> "the session ends well: " + harness.ended.get(session));
        assertEquals(List.of(), harness.engine.failedSessions(), "no failed record");
        assertEquals(2, runsOfA.get(), "step A ran once in each engine");
    }

    /** Parked in {@link StepJournal#retire} (seen there before and after it was seen waiting: retire runs once). */
    private static boolean inRetire(Thread thread) {
        return inRetireNow(thread) && thread.getState() == Thread.State.WAITING && inRetireNow(thread);
    }

    private static boolean inRetireNow(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(StepJournal.class.getName()) && frame.getMethodName().equals("retire")) {
                return true;
            }
        }
        return false;
    }

    /** The real tracker, with a pause at the start of a step's completion. */
    private record PausingTracker(InMemoryBranchTracker delegate, Runnable beforeComplete) implements BranchTracker {
        @Override
        public List<UUID> startSession(UUID sessionId, FlowGraph graph) {
            return delegate.startSession(sessionId, graph);
        }

        @Override
        public void addStep(UUID sessionId, UUID stepId) {
            delegate.addStep(sessionId, stepId);
        }

        @Override
        public StepCompletion completeStep(UUID sessionId, UUID stepId, Collection<UUID> nextSteps) {
            beforeComplete.run();
            return delegate.completeStep(sessionId, stepId, nextSteps);
        }

        @Override
        public boolean isComplete(UUID sessionId) {
            return delegate.isComplete(sessionId);
        }

        @Override
        public List<UUID> restoreSession(UUID sessionId, FlowGraph graph, Collection<UUID> completedSteps,
                Collection<UUID> pendingSteps) {
            return delegate.restoreSession(sessionId, graph, completedSteps, pendingSteps);
        }

        @Override
        public Set<UUID> completedSteps(UUID sessionId) {
            return delegate.completedSteps(sessionId);
        }

        @Override
        public Set<UUID> pendingSteps(UUID sessionId) {
            return delegate.pendingSteps(sessionId);
        }

        @Override
        public void forgetSession(UUID sessionId) {
            delegate.forgetSession(sessionId);
        }

        @Override
        public int trackedSessions() {
            return delegate.trackedSessions();
        }
    }

    /** Returns only once released, keeping an interrupt for the caller. */
    private static void awaitIgnoringInterrupts(CountDownLatch release) {
        long deadline = System.nanoTime() + EngineHarness.TIMEOUT.toNanos();
        boolean interrupted = false;
        while (release.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
