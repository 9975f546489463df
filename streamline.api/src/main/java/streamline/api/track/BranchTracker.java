package streamline.api.track;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

import streamline.api.flow.FlowGraph;

/**
 * Knows, per session, which steps are pending and which completed, and decides when a join runs.
 *
 * <h2>Semantics</h2>
 * A step is a processor of the session's flow. A step with one predecessor is ready as soon as
 * that predecessor completed and named it as a next step. A join (a step with several
 * predecessors) is ready once, when at least one predecessor completed and named it, and every
 * other predecessor has either completed or can no longer run in this session (it is not pending and
 * no pending step leads to it). A session is complete when no step is pending; the tracker then
 * forgets it, so its memory is bounded by the sessions in progress.
 *
 * <h2>Contract</h2>
 * Thread-safe: the branches of one session may complete concurrently. State is kept per session,
 * never shared between sessions. Misuse (completing a step that is not pending, naming a next step
 * that does not follow the completed one) throws {@link IllegalStateException} or
 * {@link IllegalArgumentException} and changes nothing.
 */
@ProviderType
public interface BranchTracker {

    /**
     * Starts tracking a session: the flow's first processors become pending.
     *
     * @return the first processors, in definition order
     * @throws IllegalStateException if the session is already tracked
     */
    List<UUID> startSession(UUID sessionId, FlowGraph graph);

    /**
     * Marks one more step of a tracked session pending (for example a step the engine schedules
     * again).
     *
     * @throws IllegalStateException if the session is not tracked or the step already completed
     */
    void addStep(UUID sessionId, UUID stepId);

    /**
     * Marks a pending step complete.
     *
     * @param nextSteps the steps the completed one leads to in this session (normally all its
     *        successors in the graph)
     * @return the steps that became ready (now pending) and whether the session completed
     * @throws IllegalStateException if the session is not tracked or the step is not pending
     * @throws IllegalArgumentException if a next step does not follow the completed one
     */
    StepCompletion completeStep(UUID sessionId, UUID stepId, Collection<UUID> nextSteps);

    /** Whether the session has no pending step; a session that is not tracked (finished and forgotten, or never started) counts as complete. */
    boolean isComplete(UUID sessionId);

    /**
     * Restores a session from what a write-ahead log recorded, after a restart.
     *
     * <p>Every completed step is taken to have led to all of its successors; a successor that
     * neither completed nor is pending is then scheduled if it is ready (the process may have
     * stopped between logging a completion and logging the next start).
     *
     * @param completedSteps the steps recorded as completed
     * @param pendingSteps the steps recorded as started and not completed
     * @return the steps that became ready in addition to {@code pendingSteps} (now pending too)
     * @throws IllegalStateException if the session is already tracked
     */
    List<UUID> restoreSession(UUID sessionId, FlowGraph graph, Collection<UUID> completedSteps,
            Collection<UUID> pendingSteps);

    /**
     * The completed steps of a tracked session, iterating in the order they completed (for a restored
     * session: the order of {@code completedSteps} given to {@link #restoreSession}, then later
     * completions); empty if it is not tracked.
     *
     * @since 1.1
     */
    Set<UUID> completedSteps(UUID sessionId);

    /** The pending steps of a tracked session; empty if it is not tracked. */
    Set<UUID> pendingSteps(UUID sessionId);

    /** Stops tracking a session (for example one that failed); nothing happens if it is not tracked. */
    void forgetSession(UUID sessionId);

    /** How many sessions are tracked. */
    int trackedSessions();
}
