package streamline.wal.file;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a {@link FileWriteAheadLog}.
 *
 * @param directory where the files live
 * @param sync when appends are forced to disk
 * @param syncInterval the force interval of {@link SyncPolicy#INTERVAL}
 * @param segmentBytes roll to a new segment once the current one reaches this size
 * @param checkpointBytes checkpoint once this much was appended since the last checkpoint (0: never by size)
 * @param checkpointInterval checkpoint this often if anything was appended ({@link Duration#ZERO}: never by time)
 */
record WalOptions(Path directory, SyncPolicy sync, Duration syncInterval, long segmentBytes, long checkpointBytes,
        Duration checkpointInterval) {

    WalOptions {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(sync, "sync");
        if (sync == SyncPolicy.INTERVAL && (syncInterval == null || syncInterval.isZero() || syncInterval.isNegative())) {
            throw new IllegalArgumentException("sync interval must be positive with the interval policy, was " + syncInterval);
        }
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("segment size must be at least 4096 bytes, was " + segmentBytes);
        }
        if (checkpointBytes < 0) {
            throw new IllegalArgumentException("checkpoint size must be >= 0, was " + checkpointBytes);
        }
        if (checkpointInterval == null || checkpointInterval.isNegative()) {
            throw new IllegalArgumentException("checkpoint interval must be >= 0, was " + checkpointInterval);
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

    WalOptions withSegmentBytes(long bytes) {
        return new WalOptions(directory, sync, syncInterval, bytes, checkpointBytes, checkpointInterval);
    }

    WalOptions withCheckpoints(long bytes, Duration interval) {
        return new WalOptions(directory, sync, syncInterval, segmentBytes, bytes, interval);
    }
}
