package streamline.processors.standard;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import streamline.api.processor.StepUnavailableException;

/**
 * Tells a file system that is not ready from a step that failed: a full disk or quota ({@code ENOSPC},
 * {@code EDQUOT}), a mount that is not there (a root folder outside the home that does not exist, a network
 * mount that dropped) make the step wait ({@link StepUnavailableException}); anything else stays its failure.
 */
final class FilesNotReady {

    /** The messages the JVM gives for these errors (strerror text, as Linux and the BSDs word it). */
    private static final List<String> NOT_READY = List.of("no space left on device", "disk quota exceeded",
            "transport endpoint is not connected", "stale file handle", "stale nfs file handle");

    /** A root folder outside the home that does not exist: a mount that is not there (the step waits for it). */
    static final class RootMissingException extends IOException {
        private static final long serialVersionUID = 1L;

        RootMissingException(Path root) {
            super("the folder " + FileNames.readable(root) + " that file processors may use does not exist (a mount not there?)");
        }
    }

    private FilesNotReady() {
    }

    /** The exception the step throws for {@code failure}: "not now" if the file system is not ready, else the failure itself. */
    static Exception classify(IOException failure, String processor) {
        if (failure instanceof RootMissingException) {
            return new StepUnavailableException(processor + ": " + failure.getMessage(), failure);
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String text = cause instanceof FileSystemException files && files.getReason() != null ? files.getReason() : cause.getMessage();
            String lower = text == null ? "" : text.toLowerCase(Locale.ROOT);
            for (String notReady : NOT_READY) {
                if (lower.contains(notReady)) {
                    return new StepUnavailableException(processor + ": " + describe(failure, cause), failure);
                }
            }
        }
        return failure;
    }

    private static String describe(IOException failure, Throwable cause) {
        String message = failure.getMessage();
        return message == null ? String.valueOf(cause.getMessage()) : message;
    }
}
