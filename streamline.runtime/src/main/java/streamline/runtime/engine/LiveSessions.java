package streamline.runtime.engine;

import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The sessions in progress: by id, counted per flow (for back-pressure) and per flow activation (a
 * retired activation closes with its last session), and indexed by (trigger, mark), so that at most one
 * session per source item is live.
 */
final class LiveSessions {

    private final Map<UUID, SessionRun> sessions = new ConcurrentHashMap<>();
    private final Map<UUID, AtomicInteger> perFlow = new ConcurrentHashMap<>();
    /** The live session of each (trigger, mark), by the mark as logged. */
    private final Map<String, UUID> byMark = new ConcurrentHashMap<>();
    /** Told when a retired flow activation loses its last session. */
    private final Consumer<FlowRun> retiredRunIdle;

    LiveSessions(Consumer<FlowRun> retiredRunIdle) {
        this.retiredRunIdle = retiredRunIdle;
    }

    /**
     * Claims a (trigger, mark) for a session about to start.
     *
     * @return null if claimed; otherwise the id of the live session that holds it
     */
    UUID claim(String loggedMark, UUID sessionId) {
        return byMark.putIfAbsent(loggedMark, sessionId);
    }

    /** Gives back a claim whose session was not started. */
    void release(String loggedMark, UUID sessionId) {
        byMark.remove(loggedMark, sessionId);
    }

    /**
     * A session starts (or is recovered); {@code run} is its activation, or null while it waits for one.
     *
     * @return false, and nothing added, if the activation was retired (it admits no new session)
     */
    boolean add(SessionRun session, FlowRun run) {
        if (run != null && !run.admit()) {
            return false;
        }
        sessions.put(session.id, session);
        if (session.triggerId != null && !session.mark.isEmpty()) {
            byMark.put(session.markKey, session.id);
        }
        perFlow.computeIfAbsent(session.flowId, id -> new AtomicInteger()).incrementAndGet();
        return true;
    }

    /** A session ended, or was never started: forgotten, and its retired activation closed if it was the last. */
    void remove(SessionRun session) {
        if (sessions.remove(session.id) == null) {
            return;
        }
        byMark.remove(session.markKey, session.id);
        AtomicInteger count = perFlow.get(session.flowId);
        if (count != null) {
            count.decrementAndGet();
        }
        FlowRun run = session.run;
        if (run != null && run.sessions.decrementAndGet() == 0 && run.retired) {
            retiredRunIdle.accept(run);
        }
    }

    /** Whether a live session started on this version of its flow. */
    boolean usesVersion(UUID flowId, String version) {
        return sessions.values().stream().anyMatch(session -> session.flowId.equals(flowId) && version.equals(session.version));
    }

    boolean contains(UUID sessionId) {
        return sessions.containsKey(sessionId);
    }

    int inProgress(UUID flowId) {
        AtomicInteger count = perFlow.get(flowId);
        return count == null ? 0 : count.get();
    }

    Collection<SessionRun> all() {
        return sessions.values();
    }

    /** Forgets every session (the engine stops; they stay in the log). */
    void clear() {
        sessions.clear();
        byMark.clear();
        perFlow.clear();
    }
}
