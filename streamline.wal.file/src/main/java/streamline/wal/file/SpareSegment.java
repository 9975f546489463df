package streamline.wal.file;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A zero-filled segment prepared in the background, taken by the next roll. Writing into allocated
 * blocks spares each fdatasync the file-size update (about a third of its cost here), so one is kept
 * ready whenever the log forces. Recovery deletes a spare left from before.
 */
final class SpareSegment {

    static final String FILE_NAME = "segment.spare";
    private static final Logger LOG = LogManager.getLogger(SpareSegment.class);

    private final Path file;
    private final long size;
    private final LogHealth health;
    private volatile boolean ready;
    private final AtomicBoolean requested = new AtomicBoolean();

    SpareSegment(Path directory, long size, LogHealth health) {
        this.file = directory.resolve(FILE_NAME);
        this.size = size;
        this.health = health;
    }

    /** Whether a spare is ready (tests wait on it through {@link FileWriteAheadLog}; nothing else reads it). */
    boolean ready() {
        return ready;
    }

    /** Prepares a spare on {@code executor} unless one is ready or being prepared. */
    void requestIfMissing(Executor executor) {
        if (!ready && requested.compareAndSet(false, true)) {
            try {
                executor.execute(this::prepare);
            } catch (RejectedExecutionException e) {
                requested.set(false); // the log is closing: it needs no spare
            }
        }
    }

    /**
     * Moves the spare into place as {@code target}, if one is ready and {@code target} does not exist.
     *
     * @return whether {@code target} is now the spare (else the caller creates it)
     */
    boolean takeAs(Path target) {
        if (!ready || Files.exists(target)) {
            return false;
        }
        ready = false;
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            LOG.warn("cannot take the spare segment {}; creating {} instead", file, target, e);
            WalFiles.deleteQuietly(file);
            return false;
        }
    }

    void delete() {
        WalFiles.deleteQuietly(file);
    }

    /** Writes zeros up to the segment size, forces them, then marks the spare ready. */
    private void prepare() {
        if (health.closed() || ready) {
            requested.set(false);
            return;
        }
        try (FileChannel channel = FileChannel.open(file, CREATE, TRUNCATE_EXISTING, WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < size; at += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                while (zeros.hasRemaining()) {
                    channel.write(zeros, at + zeros.position());
                }
            }
            channel.force(true);
            WalFiles.forceDirectory(file.getParent());
            ready = true;
        } catch (IOException e) {
            LOG.warn("cannot preallocate {}; segments grow as they are written", file, e);
            WalFiles.deleteQuietly(file);
        } finally {
            requested.set(false);
        }
    }
}
