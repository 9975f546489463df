package streamline.api.engine;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

import streamline.api.processor.ContentSource;
import streamline.api.processor.FlowObject;

/**
 * The running engine: starts sessions and reports on them. Thread-safe.
 */
@ProviderType
public interface Engine {

    /**
     * Starts a session of an active flow with the given item, as if a trigger had emitted it. Returns
     * once the session's first steps are in the write-ahead log: from then on a crash loses nothing.
     *
     * @param content the session's first content, or {@code null} for none
     * @return the new session's id
     * @throws EngineException if the flow is not active or the session could not be logged
     */
    UUID submit(UUID flowId, FlowObject item, ContentSource content) throws EngineException;

    /** The sessions in progress, including those waiting for a retry or a processor provider. */
    List<SessionInfo> sessionsInProgress();

    /** The sessions that failed and whose input is kept for inspection. */
    List<SessionInfo> failedSessions();

    /**
     * Why the engine runs no session now (a configuration refused, a start that failed, the log or flow
     * store it used last not present), or empty while it runs. Where a shell or a console says so,
     * instead of showing an empty list as if nothing were in progress.
     *
     * @since 1.3
     */
    default Optional<String> notRunning() {
        return Optional.empty();
    }

    /**
     * The sessions waiting for the world to be ready (a step said "not now"), counted per flow, processor and
     * reason, the most sessions first.
     *
     * @since 1.4
     */
    default List<WaitingSessions> waitingSessions() {
        return List.of();
    }

    /**
     * Retries a failed session: starts a new session of the flow's current version where the failed one failed,
     * at the failed step alone with that step's kept input (the item, when that step is one of the flow's first
     * processors: the flow's other first processors do not run again), with its trigger and trigger mark (so the trigger hears of the new
     * session's end), and removes the failed record once the new session is durably started. A crash in between
     * leaves exactly one of them.
     *
     * @return the new session's id
     * @throws EngineException if there is no such failed session, its flow is not active, the flow's current
     *         version no longer has the failed step, or the new session could not be started; the failed record is
     *         then kept
     * @since 1.4
     */
    default UUID retryFailed(UUID failedSessionId) throws EngineException {
        throw new EngineException("this engine cannot retry failed sessions");
    }

    /**
     * Discards a failed session: its kept input and record are deleted.
     *
     * @throws EngineException if there is no such failed session or it could not be deleted
     * @since 1.4
     */
    default void discardFailed(UUID failedSessionId) throws EngineException {
        throw new EngineException("this engine cannot discard failed sessions");
    }
}
