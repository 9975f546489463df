package streamline.processors.standard;

import java.io.IOException;

/**
 * The server could not take the upload now: no connection, no progress within the read timeout, 429 or a 5xx
 * status. The step fails and is retried as its processor's retry policy says; it is the world not being ready,
 * not the session's input or the flow's configuration being wrong.
 */
final class ServerNotReadyException extends IOException {

    private static final long serialVersionUID = 1L;

    ServerNotReadyException(String message, Throwable cause) {
        super("the server was not ready: " + message, cause);
    }
}
