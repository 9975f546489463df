package streamline.api.flow;

/**
 * A {@link FlowManager} operation failed. This base type alone means the store itself failed
 * (for example its database is unreachable); the subclasses say that a flow or processor does not
 * exist or that a definition is invalid.
 */
public class FlowStoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public FlowStoreException(String message) {
        super(message);
    }

    public FlowStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
