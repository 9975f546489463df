package streamline.wal.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;

import streamline.api.wal.WriteAheadLogException;

/**
 * Opens the real file log on channels the torture harness supplies (its fault-injecting disk), through the
 * log's package-private {@link FileOpener} seam, with small segments and frequent checkpoints so that a short
 * schedule crosses rolls and checkpoints.
 */
public final class FaultyFileLog {

    /** Opens the log's files; the harness's disk. */
    @FunctionalInterface
    public interface Channels {
        FileChannel open(Path file, OpenOption... options) throws IOException;
    }

    private FaultyFileLog() {
    }

    /**
     * @param sync {@code always}, {@code interval} or {@code never}
     */
    public static FileWriteAheadLog open(Path directory, String sync, long segmentBytes, long checkpointBytes,
            Duration checkpointInterval, Channels channels) throws WriteAheadLogException {
        WalOptions options = WalOptions.defaults(directory).withSync(SyncPolicy.parse(sync)).withSegmentBytes(segmentBytes)
                .withCheckpoints(checkpointBytes, checkpointInterval);
        return new FileWriteAheadLog(options, channels::open);
    }
}
