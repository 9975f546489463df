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
}
