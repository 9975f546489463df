package streamline.tracker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import streamline.api.flow.FlowGraph;

/**
 * The step state of one session, as bit sets over the flow graph's processor indexes and the
 * indexes of the completed steps in completion order (a few dozen bytes per session). Not
 * thread-safe: {@link InMemoryBranchTracker} locks it.
 */
final class SessionSteps {

    private final UUID sessionId;
    private final FlowGraph graph;
    private final BitSet pending = new BitSet();
    private final BitSet completed = new BitSet();
    /** Joins named by a completed predecessor and not yet ready. */
    private final BitSet waitingJoins = new BitSet();
    /** Indexes of the completed steps, in the order they completed; the first {@code completedCount} are used. */
    private int[] completionOrder = new int[4];
    private int completedCount;

    SessionSteps(UUID sessionId, FlowGraph graph) {
        this.sessionId = sessionId;
        this.graph = graph;
    }

    void markPending(UUID stepId) {
        int step = index(stepId);
        if (completed.get(step)) {
            throw new IllegalStateException("step " + stepId + " of session " + sessionId + " already completed");
        }
        pending.set(step);
        waitingJoins.clear(step);
    }

    /** Checks everything first, so a refused call changes nothing. */
    List<UUID> complete(UUID stepId, Collection<UUID> nextStepIds) {
        int step = index(stepId);
        if (!pending.get(step)) {
            throw new IllegalStateException("step " + stepId + " of session " + sessionId
                    + (completed.get(step) ? " already completed" : " is not pending"));
        }
        int[] successors = graph.successors(step);
        List<Integer> next = new ArrayList<>(nextStepIds.size());
        for (UUID nextId : nextStepIds) {
            int n = index(nextId);
            if (!contains(successors, n)) {
                throw new IllegalArgumentException("step " + nextId + " does not follow step " + stepId
                        + " in flow " + graph.flowId());
            }
            if (pending.get(n) || completed.get(n)) {
                throw new IllegalStateException("step " + nextId + " of session " + sessionId
                        + " was already scheduled");
            }
            next.add(n);
        }
        pending.clear(step);
        markCompleted(step);
        BitSet ready = new BitSet();
        for (int n : next) {
            if (graph.isJoin(n)) {
                waitingJoins.set(n);
            } else {
                ready.set(n);
            }
        }
        return schedule(ready);
    }

    List<UUID> restore(Collection<UUID> completedIds, Collection<UUID> pendingIds) {
        for (UUID id : completedIds) {
            markCompleted(index(id));
        }
        for (UUID id : pendingIds) {
            int step = index(id);
            if (completed.get(step)) {
                throw new IllegalArgumentException("step " + id + " of session " + sessionId
                        + " is given as both completed and pending");
            }
            pending.set(step);
        }
        BitSet ready = new BitSet();
        for (int step = completed.nextSetBit(0); step >= 0; step = completed.nextSetBit(step + 1)) {
            for (int n : graph.successors(step)) {
                if (pending.get(n) || completed.get(n)) {
                    continue;
                }
                if (graph.isJoin(n)) {
                    waitingJoins.set(n);
                } else {
                    ready.set(n);
                }
            }
        }
        return schedule(ready);
    }

    /**
     * Marks {@code ready} pending, then every waiting join that became ready, and returns them all
     * in index order. Steps count as pending before any join is checked, and joins are checked in
     * topological order, each ready one pending before the next is checked: a join upstream of
     * another's predecessor then holds that one back.
     */
    private List<UUID> schedule(BitSet ready) {
        pending.or(ready);
        if (!waitingJoins.isEmpty()) {
            for (int join : graph.topologicalOrder()) {
                if (waitingJoins.get(join) && joinReady(join)) {
                    waitingJoins.clear(join);
                    pending.set(join);
                    ready.set(join);
                }
            }
        }
        List<UUID> result = new ArrayList<>(ready.cardinality());
        for (int i = ready.nextSetBit(0); i >= 0; i = ready.nextSetBit(i + 1)) {
            result.add(graph.idAt(i));
        }
        return result;
    }

    /** Ready when every predecessor completed or can no longer run: not pending, and no pending step leads to it. */
    private boolean joinReady(int join) {
        for (int predecessor : graph.predecessors(join)) {
            if (completed.get(predecessor)) {
                continue;
            }
            if (pending.get(predecessor)) {
                return false;
            }
            for (int p = pending.nextSetBit(0); p >= 0; p = pending.nextSetBit(p + 1)) {
                if (graph.reaches(p, predecessor)) {
                    return false;
                }
            }
        }
        return true;
    }

    private void markCompleted(int step) {
        if (completed.get(step)) {
            return;
        }
        completed.set(step);
        if (completedCount == completionOrder.length) {
            completionOrder = Arrays.copyOf(completionOrder, Math.min(graph.size(), completedCount * 2));
        }
        completionOrder[completedCount++] = step;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** In completion order (a restored session: the order it was restored with, then later completions). */
    Set<UUID> completedIds() {
        Set<UUID> ids = new LinkedHashSet<>(completedCount * 2);
        for (int i = 0; i < completedCount; i++) {
            ids.add(graph.idAt(completionOrder[i]));
        }
        return Collections.unmodifiableSet(ids);
    }

    Set<UUID> pendingIds() {
        return ids(pending);
    }

    private Set<UUID> ids(BitSet bits) {
        Set<UUID> ids = new HashSet<>();
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            ids.add(graph.idAt(i));
        }
        return Set.copyOf(ids);
    }

    private int index(UUID stepId) {
        int index = graph.indexOf(stepId);
        if (index < 0) {
            throw new IllegalArgumentException("step " + stepId + " is not a processor of flow " + graph.flowId()
                    + " (session " + sessionId + ")");
        }
        return index;
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }
}
