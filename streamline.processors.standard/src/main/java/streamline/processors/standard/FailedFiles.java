package streamline.processors.standard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import streamline.api.processor.ProcessorContext;
import streamline.api.state.StateException;
import streamline.api.state.StateScope;

/**
 * The files of a {@code ReadDir} that failed, left for an operator, in its state (which holds only failures): mark →
 * {@code failed:} and the identity the file had when it was emitted (size, modification time and the file key where
 * the file system has one), then a tab and the reason. A file put there later under that name is another file, and
 * is processed.
 */
final class FailedFiles {

    private static final String FAILED = "failed";
    private static final int MOST_REASON_CHARS = 500;

    private final ProcessorContext context;
    private final Map<String, String> failed = new ConcurrentHashMap<>();

    FailedFiles(ProcessorContext context) {
        this.context = context;
    }

    /**
     * Takes the failures the state holds: at start, and at a listing after duplicates, since another instance of the
     * trigger (the flow's previous version, whose sessions end there) may have added one.
     */
    void load() throws StateException {
        // an earlier version kept emitted files in the state as well: only failures count now
        context.state().get(StateScope.LOCAL).forEach((mark, status) -> {
            if (status.startsWith(FAILED)) {
                failed.putIfAbsent(mark, status);
            }
        });
    }

    /** Whether the file under the mark is one that failed; a failure of another file under that name is forgotten. */
    boolean isFailed(String mark, BasicFileAttributes attributes) {
        String failure = failed.get(mark);
        if (failure == null) {
            return false;
        }
        int tab = failure.indexOf('\t');
        String kept = tab < 0 ? failure : failure.substring(0, tab);
        // earlier versions kept only size and time, or nothing
        if (kept.equals(FAILED) || kept.equals(FAILED + ":" + identity(attributes))
                || kept.equals(FAILED + ":" + attributes.size() + ":" + attributes.lastModifiedTime().toMillis())) {
            return true;
        }
        failed.remove(mark);
        save(mark, null);
        return false;
    }

    /** The file under the mark was processed after all (its failed session retried): its failure is forgotten. */
    void forget(String mark) {
        if (failed.remove(mark) != null) {
            save(mark, null);
        }
    }

    /** Remembers that the file of {@code identity} under the mark failed, for {@code reason}. */
    void remember(String mark, String identity, String reason) {
        String why = reason.length() > MOST_REASON_CHARS ? reason.substring(0, MOST_REASON_CHARS) + "…" : reason;
        String failure = FAILED + ":" + identity + "\t" + why.replace('\t', ' ');
        failed.put(mark, failure);
        save(mark, failure);
    }

    /** What identifies a file under its name: size, modification time and (where the file system has one) its file key. */
    static String identity(BasicFileAttributes attributes) {
        return attributes.size() + ":" + attributes.lastModifiedTime().toMillis() + ":" + attributes.fileKey();
    }

    /** The identity of the file now at {@code file}, or null if there is none. */
    static String identityNow(Path file) {
        try {
            return identity(Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Saves that a file failed, or ({@code failure} null) that it no longer counts as failed: one key of the state, at
     * a cost that does not grow with the failures remembered; a successful session writes no state.
     */
    private void save(String mark, String failure) {
        try {
            if (failure == null) {
                context.state().remove(StateScope.LOCAL, mark);
            } else {
                context.state().put(StateScope.LOCAL, mark, failure);
            }
        } catch (StateException e) {
            context.logger().log(System.Logger.Level.ERROR, "cannot save that " + mark + (failure == null ? " no longer failed" : " failed")
                    + ": " + e.getMessage());
        }
    }
}
