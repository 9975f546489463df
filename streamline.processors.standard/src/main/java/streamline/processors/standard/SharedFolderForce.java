package streamline.processors.standard;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Forces folders to disk so that a rename, link or delete in them survives a power loss, shared among callers as a
 * log's group commit shares a force: a caller whose change happened before a force of its folder began is covered by
 * that force, so sessions ending together in one folder pay one force, not one each.
 */
final class SharedFolderForce {

    /** Forces one folder to disk. */
    @FunctionalInterface
    interface Force {
        void force(Path folder) throws IOException;

        Force FSYNC = folder -> {
            try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
                channel.force(true);
            }
        };
    }

    private final Force forcer;
    private final Map<Path, Group> groups = new ConcurrentHashMap<>();

    SharedFolderForce() {
        this(Force.FSYNC);
    }

    SharedFolderForce(Force forcer) {
        this.forcer = forcer;
    }

    /** Returns once a force of {@code folder} that began after this call was made has succeeded. */
    void force(Path folder) throws IOException {
        Group group = groups.computeIfAbsent(folder, Group::new);
        try {
            group.force(forcer);
        } finally {
            group.forgetIfIdle(groups);
        }
    }

    /** The forces of one folder: tickets in call order; a force covers every ticket handed out before it began. */
    private static final class Group {
        private final Path folder;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition ended = lock.newCondition();
        private long issued;
        private long covered;
        private boolean running;
        private int callers;

        Group(Path folder) {
            this.folder = folder;
        }

        void force(Force forcer) throws IOException {
            lock.lock();
            try {
                callers++;
                long ticket = ++issued;
                while (covered < ticket) {
                    if (running) {
                        ended.awaitUninterruptibly(); // a session's end is not given up half done
                        continue;
                    }
                    running = true;
                    long upTo = issued;
                    boolean forced = false;
                    lock.unlock();
                    try {
                        forcer.force(folder);
                        forced = true;
                    } finally {
                        lock.lock();
                        running = false;
                        if (forced) {
                            covered = Math.max(covered, upTo);
                        }
                        ended.signalAll(); // on a failure a waiter forces itself
                    }
                }
            } finally {
                callers--;
                lock.unlock();
            }
        }

        void forgetIfIdle(Map<Path, Group> groups) {
            lock.lock();
            try {
                if (callers == 0) {
                    groups.remove(folder, this); // a caller that still took it is served by it all the same
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
