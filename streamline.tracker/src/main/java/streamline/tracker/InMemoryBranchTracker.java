package streamline.tracker;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.osgi.service.component.annotations.Component;

import streamline.api.flow.FlowGraph;
import streamline.api.track.BranchTracker;
import streamline.api.track.StepCompletion;

/**
 * The branch tracker: one {@link SessionSteps} per session in progress, each locked on its own, so
 * sessions never contend with each other and the branches of one session see each other's
 * completions in order. A session is dropped the moment its last pending step completes.
 */
@Component(service = BranchTracker.class, property = "service.ranking:Integer=0")
public class InMemoryBranchTracker implements BranchTracker {

    private final ConcurrentHashMap<UUID, SessionSteps> sessions = new ConcurrentHashMap<>();

    @Override
    public List<UUID> startSession(UUID sessionId, FlowGraph graph) {
        SessionSteps steps = new SessionSteps(sessionId, graph);
        List<UUID> first = graph.firstProcessorIds();
        synchronized (steps) {
            // pending before it is published: no other thread ever sees the session empty
            first.forEach(steps::markPending);
        }
        publish(sessionId, steps);
        return first;
    }

    @Override
    public void addStep(UUID sessionId, UUID stepId) {
        SessionSteps steps = tracked(sessionId);
        synchronized (steps) {
            steps.markPending(stepId);
        }
    }

    @Override
    public StepCompletion completeStep(UUID sessionId, UUID stepId, Collection<UUID> nextSteps) {
        SessionSteps steps = tracked(sessionId);
        synchronized (steps) {
            List<UUID> ready = steps.complete(stepId, nextSteps);
            boolean complete = !steps.hasPending();
            if (complete) {
                sessions.remove(sessionId, steps);
            }
            return new StepCompletion(ready, complete);
        }
    }

    @Override
    public boolean isComplete(UUID sessionId) {
        SessionSteps steps = sessions.get(sessionId);
        if (steps == null) {
            return true;
        }
        synchronized (steps) {
            return !steps.hasPending();
        }
    }

    @Override
    public List<UUID> restoreSession(UUID sessionId, FlowGraph graph, Collection<UUID> completedSteps,
            Collection<UUID> pendingSteps) {
        SessionSteps steps = new SessionSteps(sessionId, graph);
        synchronized (steps) {
            // validate fully before the session becomes visible, so a refused restore leaves nothing behind
            List<UUID> ready = steps.restore(completedSteps, pendingSteps);
            if (steps.hasPending()) {
                publish(sessionId, steps);
            } else if (sessions.containsKey(sessionId)) {
                throw new IllegalStateException("session " + sessionId + " is already tracked");
            }
            return ready;
        }
    }

    @Override
    public Set<UUID> completedSteps(UUID sessionId) {
        return stepsOf(sessionId, SessionSteps::completedIds);
    }

    @Override
    public Set<UUID> pendingSteps(UUID sessionId) {
        return stepsOf(sessionId, SessionSteps::pendingIds);
    }

    private Set<UUID> stepsOf(UUID sessionId, Function<SessionSteps, Set<UUID>> which) {
        SessionSteps steps = sessions.get(sessionId);
        if (steps == null) {
            return Set.of();
        }
        synchronized (steps) {
            return which.apply(steps);
        }
    }

    @Override
    public void forgetSession(UUID sessionId) {
        sessions.remove(sessionId);
    }

    @Override
    public int trackedSessions() {
        return sessions.size();
    }

    private void publish(UUID sessionId, SessionSteps steps) {
        if (sessions.putIfAbsent(sessionId, steps) != null) {
            throw new IllegalStateException("session " + sessionId + " is already tracked");
        }
    }

    private SessionSteps tracked(UUID sessionId) {
        SessionSteps steps = sessions.get(sessionId);
        if (steps == null) {
            throw new IllegalStateException("session " + sessionId + " is not tracked (never started, finished or forgotten)");
        }
        return steps;
    }
}
