package streamline.api.processor;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Thrown by a step to say "not now": the world it talks to is not ready (a full disk, a missing mount, a
 * server that does not answer), not that its input or configuration is bad. The engine does not count it
 * as a failed attempt: the session waits, its step logged as started (so a restart resumes it waiting), and
 * the step runs again after a pause that grows to the engine's ceiling, or after {@link #retryAfter()} when
 * the processor knows better. A processor may bound the wait with its configuration key
 * {@value #MAX_WAIT_KEY} (seconds); past it the session fails with {@link #getMessage() the reason}.
 *
 * <p>A step that throws this must leave nothing half-done that a later run of the same step would not
 * redo or undo: the step runs again from the same input.
 *
 * @since 1.3
 */
public class StepUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The configuration key of a processor's longest wait, in whole seconds; none by default (it waits as long as it takes). */
    public static final String MAX_WAIT_KEY = "streamline.maxWaitSeconds";

    private final transient Duration retryAfter;

    /**
     * @param reason what is not ready, said so that an operator can act on it (it is shown while the session waits,
     *        and is the session's error if the wait ends it)
     */
    public StepUnavailableException(String reason) {
        this(reason, null, null);
    }

    /**
     * @param reason what is not ready
     * @param cause the failure that showed it, or null
     */
    public StepUnavailableException(String reason, Throwable cause) {
        this(reason, null, cause);
    }

    /**
     * @param reason what is not ready
     * @param retryAfter when to try again at the earliest (a server's {@code Retry-After}), or null to let the engine choose
     * @param cause the failure that showed it, or null
     */
    public StepUnavailableException(String reason, Duration retryAfter, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason"), cause);
        if (retryAfter != null && retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must be >= 0, was " + retryAfter);
        }
        this.retryAfter = retryAfter;
    }

    /** What is not ready. */
    public String reason() {
        return getMessage();
    }

    /** When to try again at the earliest, if the processor knows; the engine keeps it within its ceiling. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
