package streamline.api.wal;

/**
 * A write-ahead log refuses an entry as it is, for example because it is larger than the log can
 * store. Nothing of the append was written and the log stays usable; unlike other failures,
 * appending the same entry again cannot succeed, so a caller should not retry it.
 */
public class EntryRejectedException extends WriteAheadLogException {
    private static final long serialVersionUID = 1L;

    public EntryRejectedException(String message) {
        super(message);
    }

    public EntryRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
