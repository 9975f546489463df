package streamline.wal.file;

import java.nio.file.Path;
import java.util.function.Consumer;

import streamline.api.wal.WriteAheadLogException;

/**
 * Whether the log is closed, or failed for good: after a failed force or a lost buffered write the
 * state of the files is unknown, so the log refuses every later append until it is reopened (and
 * recovered). Every part checks it before it touches the files.
 */
final class LogHealth {
    private final Path directory;
    private volatile WriteAheadLogException failure;
    private volatile boolean closed;
    /** Told of the failure that stops the log (set once, as the log is wired). */
    private volatile Consumer<WriteAheadLogException> failureListener = failure -> { };

    LogHealth(Path directory) {
        this.directory = directory;
    }

    void checkOpen() throws WriteAheadLogException {
        if (closed) {
            throw new WriteAheadLogException("write-ahead log in " + directory + " is closed");
        }
    }

    /** Throws unless the log is open and has not failed. */
    void checkUsable() throws WriteAheadLogException {
        checkOpen();
        WriteAheadLogException failed = failure;
        if (failed != null) {
            throw new WriteAheadLogException("write-ahead log in " + directory + " failed earlier and takes no"
                    + " more appends until it is reopened: " + failed.getMessage(), failed);
        }
    }

    void fail(WriteAheadLogException cause) {
        failure = cause;
        failureListener.accept(cause);
    }

    /** Tells {@code listener} of every failure from now on; it must be brief and must not touch the log. */
    void whenFailed(Consumer<WriteAheadLogException> listener) {
        failureListener = listener;
    }

    void markClosed() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }

    /** The failure that stopped the log, or null. */
    WriteAheadLogException failure() {
        return failure;
    }

    boolean failed() {
        return failure != null;
    }
}
