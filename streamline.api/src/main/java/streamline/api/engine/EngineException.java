package streamline.api.engine;

/** The engine could not do what was asked; the message says why (for example an inactive flow). */
public class EngineException extends Exception {
    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
