package streamline.api.engine;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A step of a session in progress.
 *
 * @param processorId the step's processor
 * @param processorName its name
 * @param attempt 0 for the first run, then 1, 2, … for retries
 * @param nextRetryAt when a step waiting for its retry runs again; {@code null} when it is not waiting
 */
public record StepInfo(UUID processorId, String processorName, int attempt, Instant nextRetryAt) {

    public StepInfo {
        Objects.requireNonNull(processorId, "processorId");
        processorName = Objects.requireNonNullElse(processorName, "");
    }

    public Optional<Instant> retryAt() {
        return Optional.ofNullable(nextRetryAt);
    }
}
