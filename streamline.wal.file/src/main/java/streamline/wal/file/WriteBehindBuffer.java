package streamline.wal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.WriteAheadLogException;

/**
 * Policies interval and never: appended records not yet handed to the OS. They go out when the buffer
 * fills, on the background tick, and before every roll, read, force and close. A failed write-out loses
 * records whose appends already returned (what those policies allow), so it fails the log, which refuses
 * every later append. Under {@code always} it holds nothing: every batch goes to the OS at once. Not
 * thread-safe: guarded by the write lock.
 */
final class WriteBehindBuffer {

    private static final Logger LOG = LogManager.getLogger(WriteBehindBuffer.class);
    private static final int CAPACITY = 256 * 1024;

    private final Path directory;
    private final SegmentChannel segment;
    private final LogHealth health;
    /** Null under {@code always}. */
    private final ByteBuffer buffer;
    /** Where the buffered records start in the current segment. */
    private long flushedPosition;

    WriteBehindBuffer(Path directory, SyncPolicy sync, SegmentChannel segment, LogHealth health) {
        this.directory = directory;
        this.segment = segment;
        this.health = health;
        this.buffer = sync == SyncPolicy.ALWAYS ? null : ByteBuffer.allocateDirect(CAPACITY);
    }

    /** A new segment was started (the buffer is empty: it is written out before every roll). */
    void segmentStarted(long position) {
        flushedPosition = position;
    }

    /**
     * Takes a batch's records, writing out what is buffered first if they do not fit, and returns true;
     * returns false, taking nothing, if they are to be written straight away: under {@code always}, when
     * the batch is larger than the buffer, or once the log has failed.
     */
    boolean take(ByteBuffer records) {
        if (buffer == null) {
            return false;
        }
        if (buffer.remaining() < records.remaining()) {
            flush();
        }
        if (health.failed() || buffer.remaining() < records.remaining()) {
            return false;
        }
        buffer.put(records);
        return true;
    }

    /** Records the batch written straight to the segment ending at {@code end}: the next buffered records go there. */
    void wroteAround(long end) {
        if (buffer == null || buffer.position() == 0) {
            flushedPosition = end;
        }
    }

    /** Hands the buffered records to the OS; a failure fails the log (see the class comment). */
    void flush() {
        if (buffer == null || buffer.position() == 0) {
            return;
        }
        buffer.flip();
        try {
            flushedPosition = segment.write(buffer, flushedPosition);
        } catch (IOException e) {
            health.fail(new WriteAheadLogException("cannot write buffered appends to " + segment.file()
                    + " at offset " + flushedPosition + "; appends since the last flush are lost: " + e, e));
            LOG.error("write-ahead log in {} lost buffered appends and refuses appends from now on", directory, e);
        } finally {
            buffer.clear();
        }
    }
}
