package streamline.runtime.engine;

/**
 * The engine last ran on a write-ahead log or flow store that is not present now: starting on
 * another one would strand the sessions or flows it holds, so the engine waits for it.
 */
public final class PreviousUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String name;

    PreviousUnavailableException(String name, String message) {
        super(message);
        this.name = name;
    }

    /** The name of the log or flow store waited for. */
    public String name() {
        return name;
    }
}
