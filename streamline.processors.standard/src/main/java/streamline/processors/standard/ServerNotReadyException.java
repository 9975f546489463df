package streamline.processors.standard;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The server could not take the upload now: no connection, no progress within the read timeout, 429 or a 5xx
 * status: the world not being ready, not the session's input or the flow's configuration being wrong. The step
 * turns it into a {@code StepUnavailableException}: the session waits without spending its retries.
 */
final class ServerNotReadyException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Duration retryAfter;

    ServerNotReadyException(String message, Throwable cause) {
        this(message, null, cause);
    }

    ServerNotReadyException(String message, Duration retryAfter, Throwable cause) {
        super("the server was not ready: " + message, cause);
        this.retryAfter = retryAfter;
    }

    /** The server's {@code Retry-After} in seconds, if it gave one. */
    Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
