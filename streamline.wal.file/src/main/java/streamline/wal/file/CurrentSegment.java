package streamline.wal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.WriteAheadLogException;

/**
 * The segment appends go into: its file, its number, where its written bytes end and where in the log's byte count
 * it began; opening the next one, and cutting bytes off it after a failure. Separate from {@link SegmentWriter},
 * which decides what is written, numbered and forced: this class knows one file and where its good records end, so
 * that reads of that segment stop there. Not thread-safe: guarded by the write lock of the {@link AppendQueue}.
 */
final class CurrentSegment {

    /** Under the writer's name, which log configurations name. */
    private static final Logger LOG = LogManager.getLogger(SegmentWriter.class);

    private final WalOptions options;
    private final boolean always;
    private final Path directory;
    private final LogFiles files;
    private final SpareSegment spare;
    private final SegmentChannel channel;
    private final WriteBehindBuffer writeBehind;

    private long number;
    private long position;
    /** The log's written total when this segment was started: its records start there. */
    private long startTotal;
    private boolean rollBeforeNextWrite;
    /** Whether a failed force cut records off whose session ends the live index had already counted. */
    private volatile boolean indexAheadOfFiles;

    CurrentSegment(WalOptions options, FileOpener opener, LogFiles files, LogHealth health, SpareSegment spare) {
        this.options = options;
        this.always = options.sync() == SyncPolicy.ALWAYS;
        this.directory = options.directory().toAbsolutePath();
        this.files = files;
        this.spare = spare;
        this.channel = new SegmentChannel(opener);
        this.writeBehind = new WriteBehindBuffer(directory, options.sync(), channel, health);
    }

    long number() {
        return number;
    }

    /** Where the segment's written bytes end. */
    long position() {
        return position;
    }

    Path path() {
        return files.segmentPath(number);
    }

    /** The channel as it is now, for a force outside the write lock (which may find it closed). */
    FileChannel channel() {
        return channel.current();
    }

    /** Whether the next write starts a new segment: this one is full, or a failed write's bytes could not be cut off. */
    boolean rollDue() {
        return rollBeforeNextWrite || position >= options.segmentBytes();
    }

    /** Takes a batch's records into the write-behind buffer if it has room for them (see {@link WriteBehindBuffer#take}). */
    void buffer(ByteBuffer records) {
        writeBehind.take(records); // if it takes them, nothing is left in the buffer to write now
    }

    /** Writes what is left of a batch's records at the segment's end (nothing if the buffer took them). */
    void writeAtEnd(ByteBuffer records) throws IOException {
        writeBehind.wroteAround(channel.write(records, position));
    }

    /** Hands the buffered records to the OS. */
    void flush() {
        writeBehind.flush();
    }

    void force() throws IOException {
        channel.force();
    }

    /** The segment's written bytes grew by {@code bytes}. */
    void advance(long bytes) {
        position += bytes;
    }

    /** Opens segment {@code next}, whose records start at the log's written total {@code writtenTotal}. */
    void open(long next, long writtenTotal) throws IOException {
        boolean interrupted = Thread.interrupted(); // an interrupt would close the new channel under its header's write
        try {
            channel.use(files.createSegment(next, spare, options.sync() != SyncPolicy.NEVER), files.segmentPath(next));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        number = next;
        startTotal = writtenTotal;
        position = WalFiles.FILE_HEADER_SIZE;
        writeBehind.segmentStarted(position);
    }

    /** Starts the next segment and closes this one, whose bytes the caller wrote out and forced as its policy asks. */
    void next(long writtenTotal) throws WriteAheadLogException {
        FileChannel old = channel.current();
        long oldNumber = number;
        long oldEnd = position;
        try {
            open(number + 1, writtenTotal);
        } catch (IOException e) {
            throw new WriteAheadLogException("cannot start segment " + (number + 1) + " in " + directory + ": " + e, e);
        }
        // a failed write whose bytes could not be truncated may lie after the old segment's last good record
        files.sealed(oldNumber, oldEnd);
        rollBeforeNextWrite = false;
        WalFiles.closeQuietly(old);
    }

    /** Removes the bytes of a failed write after the segment's end; if that fails too, the next write starts a new segment. */
    void discardPartialWrite() {
        try {
            channel.truncate(position);
        } catch (IOException e) {
            LOG.warn("cannot truncate {} back to {} after a failed write; the next append starts a new segment",
                    path(), position, e);
            rollBeforeNextWrite = true;
        }
    }

    /**
     * Truncates the segment back to the last good force, which covered the log's first {@code forcedTotal} bytes
     * (policy {@code always}; a failed force fails the log, see {@link SegmentWriter#forceFailed}).
     */
    void discardUnforced(long forcedTotal) {
        long keep = WalFiles.FILE_HEADER_SIZE + forcedTotal - startTotal;
        if (!always || keep >= position || keep < WalFiles.FILE_HEADER_SIZE) {
            return;
        }
        try {
            indexAheadOfFiles = true; // set first: the cut may take session ends the index counted, whatever happens next
            channel.truncate(keep);
            position = keep; // reads stop there
            LOG.error("write-ahead log in {} cut the appends its failed force did not cover off {} at offset {}", directory,
                    path(), keep);
        } catch (IOException e) {
            LOG.error("write-ahead log in {} cannot cut the appends its failed force did not cover off {}; they may come back"
                    + " when it is opened again", directory, path(), e);
            return;
        }
        try {
            // an earlier force may have made those bytes durable while counting fewer (its fsync covered what was written
            // as it ran): a cut left in the disk's cache would be undone by a power loss, and they would come back
            channel.force();
        } catch (IOException e) {
            LOG.error("write-ahead log in {} cannot force the cut of the appends its failed force did not cover off {}; after a"
                    + " power loss they may come back when it is opened again", directory, path(), e);
        }
    }

    /**
     * Whether the live index may count session ends that a failed force cut off the files: it no longer tells
     * the live entries (those sessions are live again), so they are read from the files when the log is reopened.
     */
    boolean indexAheadOfFiles() {
        return indexAheadOfFiles;
    }

    void close() {
        channel.close();
    }
}
