package streamline.api.wal;

/**
 * A write-ahead log could not do what was asked. For an append it means the entry may not be
 * durable: the engine must treat the step as not logged.
 */
public class WriteAheadLogException extends Exception {
    private static final long serialVersionUID = 1L;

    public WriteAheadLogException(String message) {
        super(message);
    }

    public WriteAheadLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
