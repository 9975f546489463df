package streamline.runtime.content;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Forces folders for many writers at once, as a log's group commit does for appends: a writer whose
 * rename happened before a force of its folder began is covered by that force, so concurrent writers
 * into one folder share its forces instead of paying one each.
 */
public final class FolderForces {

    /** Forces one folder to disk. */
    @FunctionalInterface
    public interface Force {
        void force(Path folder) throws IOException;

        /** {@code fsync} of the folder, so that the names created, renamed or removed in it survive a crash. */
        Force FSYNC = folder -> {
            try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
                channel.force(true);
            }
        };
    }

    private final Map<Path, Group> groups = new ConcurrentHashMap<>();
    private final Force forcer;

    public FolderForces() {
        this(Force.FSYNC);
    }

    public FolderForces(Force forcer) {
        this.forcer = forcer;
    }

    /** Returns once a force of {@code folder} that began after this call covers every change made before it. */
    public void force(Path folder) throws IOException, InterruptedException {
        groups.computeIfAbsent(folder, Group::new).force(forcer);
    }

    /** Whether a force failed because its thread was interrupted (the engine stopping), not because of the disk. */
    public static boolean interrupted(IOException error) {
        return error instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted();
    }

    /** What a failed force of a folder says. */
    public static String failure(Path folder, IOException error) {
        return "its folder " + folder + " could not be forced to disk: " + error.getMessage();
    }

    /** The folders with a force in progress or waited for (tests of this package; nothing else reads it). */
    int foldersInUse() {
        return groups.size();
    }

    /**
     * The forces of one folder: tickets in call order; a force covers every ticket handed out before it began.
     * An idle group leaves the map, so a writer into ever new folders keeps no group per folder; a caller that
     * still holds a removed group is served by it all the same (it only misses sharing with a new one).
     */
    private final class Group {
        private final Path folder;
        private long issued;
        private long covered;
        private boolean forcing;

        Group(Path folder) {
            this.folder = folder;
        }

        void force(Force forcer) throws IOException, InterruptedException {
            long upTo;
            synchronized (this) {
                long mine = ++issued;
                while (forcing && covered < mine) {
                    wait();
                }
                if (covered >= mine) {
                    return;
                }
                forcing = true;
                upTo = issued;
            }
            boolean done = false;
            try {
                forcer.force(folder);
                done = true;
            } finally {
                synchronized (this) {
                    forcing = false;
                    if (done) {
                        covered = Math.max(covered, upTo);
                    }
                    notifyAll(); // after a failure a waiter leads the next attempt
                    if (covered >= issued) {
                        groups.remove(folder, this);
                    }
                }
            }
        }
    }
}
