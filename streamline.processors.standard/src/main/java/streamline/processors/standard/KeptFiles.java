package streamline.processors.standard;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import streamline.api.processor.ProcessorContext;
import streamline.api.state.StateException;
import streamline.api.state.StateScope;

/**
 * The files a {@code ReadDir} that keeps its files ({@code afterSuccess=keep}, the Go project's default) processed, in
 * its state: mark → {@code kept:} and the identity the file had when emitted (size, modification time, file key). A
 * file is emitted again only once its identity changed. Compared per file, not against the newest modification time
 * seen, so two files written within the same second are both emitted.
 */
final class KeptFiles {

    private static final String KEPT = "kept:";

    private final ProcessorContext context;
    private final Map<String, String> kept = new ConcurrentHashMap<>();

    KeptFiles(ProcessorContext context) {
        this.context = context;
    }

    /** Takes what the state holds: at start, and after duplicates (another instance of the trigger may have added some). */
    void load() throws StateException {
        context.state().get(StateScope.LOCAL).forEach((mark, status) -> {
            if (status.startsWith(KEPT)) {
                kept.put(mark, status);
            }
        });
    }

    /** Whether the file under the mark was processed as it is now. */
    boolean isProcessed(String mark, BasicFileAttributes attributes) {
        return (KEPT + FailedFiles.identity(attributes)).equals(kept.get(mark));
    }

    /** Remembers, durably, that the file of {@code identity} under the mark was processed. */
    void remember(String mark, String identity) throws StateException {
        String status = KEPT + identity;
        context.state().put(StateScope.LOCAL, mark, status);
        kept.put(mark, status);
    }

    /** Forgets the files gone from the folder (not among {@code listed}, and no longer there), so the state does not grow. */
    void forgetGone(Set<String> listed) {
        for (String mark : kept.keySet()) {
            if (!listed.contains(mark) && Files.notExists(FileNames.path(mark), LinkOption.NOFOLLOW_LINKS)) {
                try {
                    context.state().remove(StateScope.LOCAL, mark);
                    kept.remove(mark);
                } catch (StateException e) {
                    context.logger().log(System.Logger.Level.WARNING, "cannot forget the processed file " + mark + ": " + e.getMessage());
                }
            }
        }
    }
}
