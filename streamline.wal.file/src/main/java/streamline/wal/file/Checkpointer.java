package streamline.wal.file;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.WriteAheadLogException;

/**
 * Keeps the log's files to its live records: rolls to a new segment (appenders wait only for that),
 * copies the live records of the older files into a new snapshot, forces it, renames it into place,
 * and only then deletes the files it replaces. One checkpoint at a time, under its monitor, which
 * close takes too.
 */
final class Checkpointer {

    private static final Logger LOG = LogManager.getLogger(Checkpointer.class);

    private final Path directory;
    private final FileOpener opener;
    private final LogFiles files;
    private final LiveIndex live;
    private final LogHealth health;
    private final SegmentWriter writer;
    private final Object monitor = new Object();
    private final AtomicBoolean queued = new AtomicBoolean();
    /** Guarded by the monitor: only checkpoints copy records. */
    private final RecordChecksum copyChecksum = new RecordChecksum();

    Checkpointer(Path directory, FileOpener opener, LogFiles files, LiveIndex live, LogHealth health, SegmentWriter writer) {
        this.directory = directory;
        this.opener = opener;
        this.files = files;
        this.live = live;
        this.health = health;
        this.writer = writer;
    }

    /** Runs a checkpoint on {@code executor} unless one is queued there already. */
    void request(Executor executor) {
        if (queued.compareAndSet(false, true)) {
            try {
                executor.execute(this::runInBackground);
            } catch (RejectedExecutionException e) {
                // the log is closing, its background stopped: no checkpoint is due any more, and the append that
                // asked for one succeeded
                queued.set(false);
            }
        }
    }

    /** A checkpoint if anything was appended since the last; failures are logged, the files stay until the next. */
    void runInBackground() {
        queued.set(false);
        if (health.closed() || health.failed()) {
            return;
        }
        try {
            if (writer.bytesSinceCheckpoint() > 0) {
                checkpoint();
            }
        } catch (WriteAheadLogException | RuntimeException e) {
            if (health.closed()) {
                LOG.debug("checkpoint of {} stopped by close", directory, e);
            } else {
                LOG.error("checkpoint of the write-ahead log in {} failed; the segments stay until the next one", directory, e);
            }
        }
    }

    /** Runs {@code action} once no checkpoint runs, and keeps the next from starting until it returns. */
    <T> T excluding(Supplier<T> action) {
        synchronized (monitor) {
            return action.get();
        }
    }

    /**
     * Writes the live records of every segment before the current one into a new snapshot and
     * deletes the files it replaces.
     */
    void checkpoint() throws WriteAheadLogException {
        // an interrupt would close the snapshot's channel under its writes: an explicit checkpoint on an interrupted
        // thread runs, and the interrupt stays the thread's (close stops a background one by marking the log closed)
        boolean interrupted = Thread.interrupted();
        try {
            checkpointOnce();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void checkpointOnce() throws WriteAheadLogException {
        synchronized (monitor) {
            SegmentWriter.Boundary boundary = writer.rollForCheckpoint();
            Path file = directory.resolve(WalFiles.snapshotName(boundary.segmentNumber()));
            Path temporary = directory.resolve(WalFiles.snapshotName(boundary.segmentNumber()) + ".tmp");
            SortedSequences offsets;
            files.sharedLock().lock();
            try (FileChannel out = opener.open(temporary, CREATE, TRUNCATE_EXISTING, WRITE)) {
                offsets = writeSnapshot(out, boundary);
                out.force(true);
            } catch (IOException e) {
                WalFiles.deleteQuietly(temporary);
                throw new WriteAheadLogException("cannot write snapshot " + temporary + ": " + e, e);
            } finally {
                files.sharedLock().unlock();
            }
            try {
                // the walk of the index saw the session ends written until it finished, some of them after the roll
                // and not yet forced: the snapshot leaves those sessions out, so their ends must be durable before
                // it replaces the files holding the sessions' entries
                writer.forceWritten();
            } catch (WriteAheadLogException e) {
                WalFiles.deleteQuietly(temporary);
                throw new WriteAheadLogException("checkpoint of " + directory + " abandoned: cannot force the session ends its"
                        + " snapshot relies on: " + e.getMessage(), e);
            }
            FileChannel channel;
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
                WalFiles.forceDirectory(directory);
                channel = FileChannel.open(file, READ);
            } catch (IOException e) {
                WalFiles.deleteQuietly(temporary);
                throw new WriteAheadLogException("cannot install snapshot " + file + ": " + e, e);
            }
            int replaced = files.install(new Snapshot(boundary.segmentNumber(), file, channel, offsets));
            LOG.debug("checkpoint of {} at segment {}: {} live records, {} segments deleted", directory,
                    boundary.segmentNumber(), offsets.size(), replaced);
        }
    }

    private SortedSequences writeSnapshot(FileChannel out, SegmentWriter.Boundary boundary) throws IOException {
        // the live records' sequences, each with its place in `where` (segment, offset)
        SortedSequences order = new SortedSequences(live.sizeHint());
        long[][] where = {new long[1024], new long[1024]};
        live.forEachRecord(boundary.lastSequence(), (sequence, segmentId, offset) -> {
            int n = order.size();
            if (n == where[0].length) {
                where[0] = Arrays.copyOf(where[0], n * 2);
                where[1] = Arrays.copyOf(where[1], n * 2);
            }
            where[0][n] = segmentId;
            where[1][n] = offset;
            order.add(sequence, n);
        });
        // copy in sequence order: the older files are then read front to back, and the snapshot is sorted
        order.seal();
        SortedSequences offsets = new SortedSequences(order.size());
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        ByteBuffer header = ByteBuffer.allocate(WalFiles.RECORD_HEADER_SIZE);
        buffer.put(WalFiles.header(WalFiles.SNAPSHOT_MAGIC, boundary.segmentNumber(), boundary.lastSequence()));
        long position = 0;
        for (int k = 0; k < order.size(); k++) {
            long sequence = order.sequenceAt(k);
            int i = (int) order.valueAt(k);
            if (health.closed()) {
                throw new IOException("log closed during the checkpoint");
            }
            LogFiles.Location location = files.locate(sequence, (int) where[0][i], where[1][i]);
            int before = buffer.position();
            int size = copyRecord(sequence, location, header, buffer);
            if (buffer.position() == before) { // no room: write out what is gathered, then copy again
                position = flush(out, buffer, position);
                if (buffer.capacity() < size) {
                    buffer = ByteBuffer.allocate(size);
                }
                copyRecord(sequence, location, header, buffer);
            }
            offsets.add(sequence, position + buffer.position() - size);
        }
        flush(out, buffer, position);
        return offsets.seal();
    }

    /**
     * Copies a whole record (header and payload), checked against its checksum, to {@code out} at its
     * position, reading its header into {@code header} first. Nothing but the checksum's small helpers
     * is allocated per record: a checkpoint copies millions of them. The caller holds the files' shared lock.
     *
     * @return the record's size; if {@code out} has less room than that, nothing was copied
     */
    private int copyRecord(long sequence, LogFiles.Location location, ByteBuffer header, ByteBuffer out) throws IOException {
        FileChannel channel = location.channel();
        long at = location.offset();
        readFully(channel, header.clear(), at);
        int length = header.getInt(0);
        if (length < 1 || length > WalFiles.MAX_PAYLOAD || header.getLong(8) != sequence) {
            throw new IOException(location.file() + " at offset " + at + ": expected record " + sequence);
        }
        int size = WalFiles.RECORD_HEADER_SIZE + length;
        if (out.remaining() < size) {
            return size;
        }
        int start = out.position();
        out.put(header.flip());
        ByteBuffer payload = out.slice(start + WalFiles.RECORD_HEADER_SIZE, length);
        readFully(channel, payload, at + WalFiles.RECORD_HEADER_SIZE);
        if (copyChecksum.of(length, sequence, payload.flip()) != header.getInt(4)) {
            out.position(start);
            throw new IOException(location.file() + " at offset " + at + ": checksum mismatch in record " + sequence);
        }
        out.position(start + size);
        return size;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long at) throws IOException {
        long position = at;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException("unexpected end of file at offset " + position);
            }
            position += n;
        }
    }

    private static long flush(FileChannel out, ByteBuffer buffer, long position) throws IOException {
        buffer.flip();
        long at = position;
        while (buffer.hasRemaining()) {
            at += out.write(buffer, at);
        }
        buffer.clear();
        return at;
    }
}
