package streamline.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import streamline.api.flow.FlowGraph;
import streamline.api.track.StepCompletion;
import streamline.testkit.TestFlows;

class InMemoryBranchTrackerTest {

    private final InMemoryBranchTracker tracker = new InMemoryBranchTracker();
    private String flow;
    private FlowGraph graph;

    @AfterEach
    void nothingLeftBehind() {
        // every test below ends all of its sessions; a finished session must leave nothing
        assertEquals(0, tracker.trackedSessions(), "sessions still tracked after the test");
    }

    private FlowGraph use(String name, String... edges) {
        flow = name;
        graph = TestFlows.graph(name, edges);
        return graph;
    }

    private UUID id(String processor) {
        return TestFlows.id(flow, processor);
    }

    private List<UUID> ids(String... processors) {
        return Arrays.stream(processors).map(this::id).toList();
    }

    /** Completes a step naming all its successors, as the engine does. */
    private StepCompletion complete(UUID session, String processor) {
        return tracker.completeStep(session, id(processor), graph.next(id(processor)));
    }

    @Test
    void linearFlowRunsStepByStepAndFinishes() {
        use("linear", "A->B->C");
        UUID s = UUID.randomUUID();
        assertEquals(ids("A"), tracker.startSession(s, graph));
        assertEquals(new StepCompletion(ids("B"), false), complete(s, "A"));
        assertEquals(Set.of(id("A")), tracker.completedSteps(s));
        assertEquals(Set.of(id("B")), tracker.pendingSteps(s));
        assertEquals(new StepCompletion(ids("C"), false), complete(s, "B"));
        assertFalse(tracker.isComplete(s));
        assertEquals(new StepCompletion(List.of(), true), complete(s, "C"));
        assertTrue(tracker.isComplete(s));
        assertEquals(Set.of(), tracker.completedSteps(s), "a finished session is forgotten");
    }

    /** Root leads to P1..Pn in parallel, all of which lead to Join. */
    private static String[] fanOutAndJoin(int branches) {
        String[] edges = new String[branches];
        for (int i = 1; i <= branches; i++) {
            edges[i - 1] = "Root->P" + i + "->Join";
        }
        return edges;
    }

    @Test
    void completedStepsComeInCompletionOrder() {
        use("order", fanOutAndJoin(8));
        UUID s = UUID.randomUUID();
        tracker.startSession(s, graph);
        complete(s, "Root");
        List<String> order = List.of("P7", "P2", "P8", "P5", "P1", "P4");
        List<UUID> expected = new ArrayList<>(List.of(id("Root")));
        for (String step : order) {
            complete(s, step);
            expected.add(id(step));
            assertEquals(expected, List.copyOf(tracker.completedSteps(s)), "after completing " + step);
        }
        complete(s, "P6");
        complete(s, "P3");
        complete(s, "Join");
        assertTrue(tracker.isComplete(s));
    }

    @Test
    void aRestoredSessionKeepsTheGivenCompletionOrderAndAppendsToIt() {
        use("restored-order", fanOutAndJoin(6));
        UUID s = UUID.randomUUID();
        tracker.restoreSession(s, graph, ids("Root", "P6", "P3", "P1", "P5"), ids("P2", "P4"));
        assertEquals(ids("Root", "P6", "P3", "P1", "P5"), List.copyOf(tracker.completedSteps(s)));
        complete(s, "P4");
        complete(s, "P2");
        assertEquals(ids("Root", "P6", "P3", "P1", "P5", "P4", "P2"), List.copyOf(tracker.completedSteps(s)));
        complete(s, "Join");
        assertTrue(tracker.isComplete(s));
    }

    @Test
    void fanOutMakesEveryBranchReady() {
        use("fanout", "A->B", "A->C", "A->D");
        UUID s = UUID.randomUUID();
        tracker.startSession(s, graph);
        assertEquals(ids("B", "C", "D"), complete(s, "A").readySteps());
        assertFalse(complete(s, "C").sessionComplete());
        assertFalse(complete(s, "B").sessionComplete());
        assertTrue(complete(s, "D").sessionComplete());
    }

    @Test
    void joinOfTwoFirstProcessorsRunsOnceAfterBoth() {
        use("join", "A->C", "B->C");
        UUID s = UUID.randomUUID();
        assertEquals(ids("A", "B"), tracker.startSession(s, graph));
        assertEquals(List.of(), complete(s, "A").readySteps(), "C must wait for B");
        assertEquals(ids("C"), complete(s, "B").readySteps());
        assertTrue(complete(s, "C").sessionComplete());
    }

    @Test
    void joinWaitsForAPredecessorStillReachableThroughALongerBranch() {
        // A->[B->C, D]->E: when D completes, C is not pending yet but B leads to it
        use("nested", "A->B->C->E", "A->D->E");
        UUID s = UUID.randomUUID();
        tracker.startSession(s, graph);
        assertEquals(ids("B", "D"), complete(s, "A").readySteps());
        assertEquals(List.of(), complete(s, "D").readySteps());
        assertEquals(ids("C"), complete(s, "B").readySteps());
        assertEquals(ids("E"), complete(s, "C").readySteps());
        assertTrue(complete(s, "E").sessionComplete());
    }

    @Test
    void joinRunsWhenAPredecessorWasNotTaken() {
        use("partial", "A->C", "B->C");
        UUID s = UUID.randomUUID();
        tracker.startSession(s, graph);
        assertEquals(List.of(), tracker.completeStep(s, id("A"), ids("C")).readySteps());
        // B ends its branch without leading to C: nothing else can reach C's predecessors
        assertEquals(ids("C"), tracker.completeStep(s, id("B"), List.of()).readySteps());
        assertTrue(complete(s, "C").sessionComplete());
    }

    @Test
    void sessionsOfTheSameFlowDoNotShareState() {
        use("shared", "A->C", "B->C");
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        tracker.startSession(first, graph);
        tracker.startSession(second, graph);
        assertEquals(List.of(), complete(first, "A").readySteps());
        // the Go tracker kept join dependencies per processor: here B of the *second* session would have released C of the first
        assertEquals(List.of(), complete(second, "B").readySteps());
        assertEquals(ids("C"), complete(first, "B").readySteps());
        assertEquals(ids("C"), complete(second, "A").readySteps());
        assertTrue(complete(first, "C").sessionComplete());
        assertFalse(tracker.isComplete(second));
        assertTrue(complete(second, "C").sessionComplete());
    }

    @Test
    void misuseIsRefusedAndChangesNothing() {
        use("misuse", "A->B->C", "A->D");
        UUID s = UUID.randomUUID();
        tracker.startSession(s, graph);
        assertThrows(IllegalStateException.class, () -> tracker.startSession(s, graph));
        assertThrows(IllegalStateException.class, () -> complete(s, "B"), "B is not pending");
        assertThrows(IllegalArgumentException.class, () -> tracker.completeStep(s, id("A"), ids("C")),
                "C does not follow A");
        assertThrows(IllegalArgumentException.class, () -> tracker.completeStep(s, UUID.randomUUID(), List.of()));
        assertEquals(Set.of(id("A")), tracker.pendingSteps(s));
        assertEquals(Set.of(), tracker.completedSteps(s));
        assertThrows(IllegalStateException.class, () -> tracker.completeStep(UUID.randomUUID(), id("A"), List.of()));

        complete(s, "A");
        assertThrows(IllegalStateException.class, () -> complete(s, "A"), "completed twice");
        assertThrows(IllegalStateException.class, () -> tracker.addStep(s, id("A")), "already completed");
        tracker.forgetSession(s);
        assertTrue(tracker.isComplete(s));
        assertThrows(IllegalStateException.class, () -> complete(s, "B"));
    }

    @Test
    void addStepMakesAStepPending() {
        use("add", "A->B", "C");
        UUID s = UUID.randomUUID();
        assertEquals(ids("A", "C"), tracker.startSession(s, graph));
        complete(s, "C");
        tracker.addStep(s, id("B"));
        assertEquals(Set.of(id("A"), id("B")), tracker.pendingSteps(s));
        tracker.completeStep(s, id("B"), List.of());
        assertTrue(tracker.completeStep(s, id("A"), List.of()).sessionComplete());
    }

    @Test
    void restoreResumesPendingStepsAndTheJoinsTheyLeadTo() {
        use("restore", "A->B->D", "A->C->D");
        UUID s = UUID.randomUUID();
        assertEquals(List.of(), tracker.restoreSession(s, graph, ids("A", "B"), ids("C")));
        assertEquals(Set.of(id("C")), tracker.pendingSteps(s));
        assertEquals(ids("D"), complete(s, "C").readySteps());
        assertTrue(complete(s, "D").sessionComplete());
    }

    @Test
    void restoreSchedulesWhatBecameReadyBeforeTheCrashLoggedIt() {
        use("crashgap", "A->B->D", "A->C->D");
        UUID s = UUID.randomUUID();
        // C's completion was logged, D's start was not
        assertEquals(ids("D"), tracker.restoreSession(s, graph, ids("A", "B", "C"), List.of()));
        assertTrue(complete(s, "D").sessionComplete());

        UUID t = UUID.randomUUID();
        assertEquals(ids("B", "C"), tracker.restoreSession(t, graph, ids("A"), List.of()));
        complete(t, "B");
        assertEquals(ids("D"), complete(t, "C").readySteps());
        assertTrue(complete(t, "D").sessionComplete());
    }

    @Test
    void restoringAFinishedSessionTracksNothing() {
        use("done", "A->B");
        UUID s = UUID.randomUUID();
        assertEquals(List.of(), tracker.restoreSession(s, graph, ids("A", "B"), List.of()));
        assertTrue(tracker.isComplete(s));
        assertThrows(IllegalArgumentException.class,
                () -> tracker.restoreSession(UUID.randomUUID(), graph, ids("A"), ids("A")));
    }

    @Test
    void concurrentBranchesReleaseEachJoinExactlyOnce() throws Exception {
        // Root -> 16 parallel branches -> Join -> Last, many sessions at once, branches completed from 8 threads
        List<String> edges = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            edges.add("Root->B" + i + "->Join");
        }
        edges.add("Join->Last");
        use("wide", edges.toArray(String[]::new));
        int sessions = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger joinsReleased = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(sessions);
        try {
            for (int n = 0; n < sessions; n++) {
                UUID s = UUID.randomUUID();
                tracker.startSession(s, graph);
                for (UUID branch : complete(s, "Root").readySteps()) {
                    pool.execute(() -> {
                        try {
                            List<UUID> ready = tracker.completeStep(s, branch, graph.next(branch)).readySteps();
                            if (ready.equals(ids("Join"))) {
                                joinsReleased.incrementAndGet();
                                assertEquals(ids("Last"), complete(s, "Join").readySteps());
                                if (complete(s, "Last").sessionComplete()) {
                                    finished.incrementAndGet();
                                }
                                done.countDown();
                            } else {
                                assertEquals(List.of(), ready);
                            }
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    });
                }
            }
            assertTrue(done.await(60, TimeUnit.SECONDS) || !failures.isEmpty(), "sessions did not finish");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), new ArrayList<>(failures));
        assertEquals(sessions, joinsReleased.get(), "each session's join released exactly once");
        assertEquals(sessions, finished.get());
    }
}
