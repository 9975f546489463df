package streamline.wal.file;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The settings of a {@link FileWriteAheadLog}, checked when made, before any log locks its directory; a
 * refusal names the configuration key of {@code streamline.wal.file} and its rule.
 *
 * @param directory where the files live
 * @param sync when appends are forced to disk
 * @param syncInterval how often {@link SyncPolicy#INTERVAL} forces, and {@link SyncPolicy#NEVER} hands its buffer to the OS
 * @param segmentBytes roll to a new segment once the current one reaches this size
 * @param checkpointBytes checkpoint once this much was appended since the last checkpoint (0: never by size)
 * @param checkpointInterval checkpoint this often if anything was appended ({@link Duration#ZERO}: never by time)
 */
record WalOptions(Path directory, SyncPolicy sync, Duration syncInterval, long segmentBytes, long checkpointBytes,
        Duration checkpointInterval) {

    /** The longest checkpoint interval: its milliseconds must fit in a long. */
    static final long MAX_CHECKPOINT_INTERVAL_SECONDS = Long.MAX_VALUE / 1000;

    WalOptions {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(sync, "sync");
        // interval forces and never hands the buffer to the OS on this tick
        if (sync != SyncPolicy.ALWAYS && (syncInterval == null || syncInterval.isNegative() || syncInterval.toMillis() < 1)) {
            throw new IllegalArgumentException("sync.interval.ms must be at least 1 with sync=" + sync.name().toLowerCase(Locale.ROOT)
                    + " (how often appends are " + (sync == SyncPolicy.INTERVAL ? "forced to disk" : "handed to the operating system")
                    + "), was " + (syncInterval == null ? null : syncInterval.toMillis()));
        }
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("segment.bytes must be at least 4096, was " + segmentBytes);
        }
        if (checkpointBytes < 0) {
            throw new IllegalArgumentException("checkpoint.bytes must be at least 0 (0: no checkpoints by size), was " + checkpointBytes);
        }
        if (checkpointInterval == null || checkpointInterval.isNegative()
                || checkpointInterval.getSeconds() > MAX_CHECKPOINT_INTERVAL_SECONDS) {
            throw new IllegalArgumentException("checkpoint.interval.seconds must be between 0 (no timed checkpoints) and "
                    + MAX_CHECKPOINT_INTERVAL_SECONDS + ", was " + (checkpointInterval == null ? null : checkpointInterval.getSeconds()));
        }
    }

    /** Defaults: durable appends, 64 MiB segments, checkpoints every 256 MiB or minute. */
    static WalOptions defaults(Path directory) {
        return new WalOptions(directory, SyncPolicy.ALWAYS, Duration.ofMillis(100), 64L << 20, 256L << 20,
                Duration.ofMinutes(1));
    }

    WalOptions withSync(SyncPolicy policy) {
        return new WalOptions(directory, policy, syncInterval, segmentBytes, checkpointBytes, checkpointInterval);
    }

    WalOptions withDirectory(Path other) {
        return new WalOptions(other, sync, syncInterval, segmentBytes, checkpointBytes, checkpointInterval);
    }

    WalOptions withSegmentBytes(long bytes) {
        return new WalOptions(directory, sync, syncInterval, bytes, checkpointBytes, checkpointInterval);
    }

    WalOptions withCheckpoints(long bytes, Duration interval) {
        return new WalOptions(directory, sync, syncInterval, segmentBytes, bytes, interval);
    }
}
