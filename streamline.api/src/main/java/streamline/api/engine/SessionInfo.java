package streamline.api.engine;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A session as the engine sees it now.
 *
 * @param sessionId the session
 * @param flowId its flow
 * @param status where it stands
 * @param steps its current steps (running, waiting for a retry or for a provider); empty once failed
 * @param startedAt when it started
 * @param error why it failed; empty unless {@link Status#FAILED}
 */
public record SessionInfo(UUID sessionId, UUID flowId, Status status, List<StepInfo> steps, Instant startedAt,
        String error) {

    /** Where a session stands. */
    public enum Status {
        /** Steps are running or about to. */
        RUNNING,
        /** A step waits: for its retry, or for a processor provider to come back. */
        WAITING,
        /** It exhausted its retries; its input is kept for inspection. */
        FAILED
    }

    public SessionInfo {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(flowId, "flowId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        steps = List.copyOf(steps);
        error = Objects.requireNonNullElse(error, "");
    }
}
