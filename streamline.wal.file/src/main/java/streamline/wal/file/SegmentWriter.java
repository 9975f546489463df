package streamline.wal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

/**
 * Writes appends into the current segment and rolls to the next; its state is guarded by the write
 * lock of its {@link AppendQueue}, which nothing else takes. A failed write truncates the partial record away, or,
 * if that fails too, rolls before the next write, so no half record is ever followed by good ones; reads of
 * that segment stop where its good records end. Interrupts fail no write ({@link SegmentChannel}).
 */
final class SegmentWriter implements GroupCommit.Segments {

    private static final Logger LOG = LogManager.getLogger(SegmentWriter.class);
    /** The most one turn of the write lock writes (unless a single append is larger): bounds the write buffer. */
    private static final long MAX_BATCH_BYTES = 16L << 20;

    /** The segment being written and where its written bytes end, for a read of everything written. */
    record WrittenEnd(long segmentNumber, long position) {
    }

    /** What a checkpoint covers: every segment up to {@code segmentNumber}, every record up to {@code lastSequence}. */
    record Boundary(long segmentNumber, long lastSequence) {
    }

    private final WalOptions options;
    private final boolean always;
    private final Path directory;
    private final LogFiles files;
    private final LiveIndex live;
    private final LogHealth health;
    private final SpareSegment spare;
    private final Executor background;
    private final GroupCommit groupCommit;
    private final AppendQueue queue;

    // guarded by the queue's write lock
    private final SegmentChannel segment;
    private long segmentNumber;
    private long segmentPosition;
    /** {@link #writtenTotal} when the current segment was started: its records start there. */
    private long segmentStartTotal;
    /** Whether a failed force cut records off whose session ends the live index had already counted. */
    private volatile boolean indexAheadOfFiles;
    private boolean rollBeforeNextWrite;
    private long lastSequence;
    private long writtenTotal;
    private long bytesSinceCheckpoint;
    private final RecordEncoder encoder = new RecordEncoder();
    private final WriteBehindBuffer writeBehind;

    /** Opens the segment after the last one recovery found, numbering records after {@code lastSequence}. */
    SegmentWriter(WalOptions options, FileOpener opener, LogFiles files, LiveIndex live, LogHealth health, SpareSegment spare,
            Executor background, long lastSequence) throws IOException {
        this.options = options;
        this.always = options.sync() == SyncPolicy.ALWAYS;
        this.directory = options.directory().toAbsolutePath();
        this.files = files;
        this.live = live;
        this.health = health;
        this.spare = spare;
        this.background = background;
        this.lastSequence = lastSequence;
        this.groupCommit = new GroupCommit(directory, health, this, lastSequence);
        this.queue = new AppendQueue(directory, always, groupCommit);
        this.segment = new SegmentChannel(opener);
        this.writeBehind = new WriteBehindBuffer(directory, options.sync(), segment, health);
        openSegment(files.lastNumber() + 1);
    }

    /** The append queue, whose write lock and waiting appends tests hold and count; nothing else uses it. */
    AppendQueue queue() {
        return queue;
    }

    GroupCommit groupCommit() {
        return groupCommit;
    }

    /**
     * Writes the entries and returns once they are written and, under {@code always} and if {@code forced},
     * forced; unforced ones are forced by the next force (of an append, a roll or the close), in order.
     */
    PendingWrite write(List<LogEntry> entries, boolean forced) throws WriteAheadLogException {
        PendingWrite mine = new PendingWrite(entries, forced, directory);
        queue.submit(mine, this::writeQueued);
        if (mine.error != null) {
            throw mine.error;
        }
        if (always && forced) {
            groupCommit.await(mine, true);
        }
        return mine;
    }

    /**
     * Writes the queued appends as one batch, up to {@link #MAX_BATCH_BYTES} (at least the first); the
     * rest stays queued for the next turn. The caller holds the write lock.
     */
    private void writeQueued(PendingWrite holder) {
        List<PendingWrite> batch = queue.takeBatch(MAX_BATCH_BYTES);
        long total = batch.stream().mapToLong(write -> write.bytes).sum();
        if (batch.isEmpty()) {
            return;
        }
        ByteBuffer buffer;
        try {
            health.checkUsable();
            if (rollBeforeNextWrite || segmentPosition >= options.segmentBytes()) {
                roll();
            }
            buffer = encoder.encode(batch, (int) total, lastSequence + 1, files.segmentPath(segmentNumber));
            writeBehind.take(buffer); // if it takes them, nothing is left in the buffer to write now
            health.checkUsable(); // a flush of the buffer may have failed the log
        } catch (WriteAheadLogException e) {
            queue.fail(batch, e, holder);
            return;
        }
        long start = segmentPosition;
        try {
            writeBehind.wroteAround(segment.write(buffer, start));
        } catch (IOException e) {
            lastSequence += batch.stream().mapToInt(write -> write.payloads.length).sum(); // never reuse a number that may be on disk
            discardPartialWrite(start);
            queue.fail(batch, new WriteAheadLogException("cannot append to " + files.segmentPath(segmentNumber) + " at offset "
                    + start + ": " + e, e), holder);
            return;
        }
        written(batch, start, total);
        boolean checkpointDue = options.checkpointBytes() > 0 && bytesSinceCheckpoint >= options.checkpointBytes();
        for (PendingWrite write : batch) {
            write.checkpointDue = checkpointDue;
        }
        queue.complete(batch, holder);
        // a spare ready at every roll: a checkpoint rolls whenever it starts, and a segment opened without one
        // pays the dearer forces of a growing file all its life
        if (options.sync() != SyncPolicy.NEVER) {
            spare.requestIfMissing(background);
        }
    }

    /** Records where the batch's entries are, and each append's last sequence and force target. */
    private void written(List<PendingWrite> batch, long start, long total) {
        long offset = start;
        long sequence = lastSequence + 1;
        for (PendingWrite write : batch) {
            for (int i = 0; i < write.payloads.length; i++) {
                LogEntry entry = write.entries.get(i);
                if (entry.kind() == LogEntry.Kind.SESSION_FINISHED) {
                    live.finish(entry.sessionId());
                } else {
                    live.add(entry.sessionId(), sequence, (int) segmentNumber, offset);
                }
                offset += WalFiles.RECORD_HEADER_SIZE + write.payloads[i].length;
                sequence++;
            }
            write.lastSequence = sequence - 1;
            write.target = writtenTotal + (offset - start);
        }
        lastSequence = sequence - 1;
        segmentPosition += total;
        writtenTotal += total;
        bytesSinceCheckpoint += total;
    }

    /** Policy {@code never}: hands what is buffered to the OS on the background tick. */
    void flushInBackground() {
        queue.lock();
        try {
            if (!health.closed()) {
                writeBehind.flush();
                if (!health.failed()) {
                    groupCommit.handedToOs(lastSequence);
                }
            }
        } finally {
            queue.unlock();
        }
    }

    /** Removes the bytes of a failed write; if that fails too, the next write starts a new segment. */
    private void discardPartialWrite(long start) {
        try {
            segment.truncate(start);
        } catch (IOException e) {
            LOG.warn("cannot truncate {} back to {} after a failed write; the next append starts a new segment",
                    files.segmentPath(segmentNumber), start, e);
            rollBeforeNextWrite = true;
        }
    }

    /**
     * Starts the next segment, forcing the old one first unless the policy never forces; the caller holds the
     * write lock. A failed force fails the log: after it the file's state is unknown.
     */
    private void roll() throws WriteAheadLogException {
        writeBehind.flush();
        health.checkUsable();
        if (options.sync() != SyncPolicy.NEVER) {
            try {
                segment.force();
            } catch (IOException e) {
                WriteAheadLogException failure = new WriteAheadLogException("cannot force " + files.segmentPath(segmentNumber)
                        + " to disk before starting the next segment: " + e, e);
                forceFailed(failure);
                throw failure;
            }
            groupCommit.markForced(writtenTotal, lastSequence);
            groupCommit.wakeWaiters();
        }
        FileChannel old = segment.current();
        long oldNumber = segmentNumber;
        long oldEnd = segmentPosition;
        try {
            openSegment(segmentNumber + 1);
        } catch (IOException e) {
            throw new WriteAheadLogException("cannot start segment " + (segmentNumber + 1) + " in " + directory + ": " + e, e);
        }
        // a failed write whose bytes could not be truncated may lie after the old segment's last good record
        files.sealed(oldNumber, oldEnd);
        rollBeforeNextWrite = false;
        WalFiles.closeQuietly(old);
    }

    private void openSegment(long number) throws IOException {
        boolean interrupted = Thread.interrupted(); // an interrupt would close the new channel under its header's write
        try {
            segment.use(files.createSegment(number, spare, options.sync() != SyncPolicy.NEVER), files.segmentPath(number));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        segmentNumber = number;
        segmentStartTotal = writtenTotal;
        segmentPosition = WalFiles.FILE_HEADER_SIZE;
        writeBehind.segmentStarted(segmentPosition);
    }

    @Override
    public GroupCommit.ForcePoint forcePoint() {
        return queue.locked(() -> {
            writeBehind.flush();
            return new GroupCommit.ForcePoint(writtenTotal, lastSequence, segment.current(), segmentNumber,
                    files.segmentPath(segmentNumber));
        });
    }

    @Override
    public boolean forceReopened(long number) {
        queue.lock();
        try {
            if (health.closed() || number != segmentNumber) {
                return false; // close or roll counted the bytes already, or will fail the waiters
            }
            segment.force();
            return true;
        } catch (IOException e) {
            forceFailed(new WriteAheadLogException("cannot force " + files.segmentPath(number) + " to disk: " + e, e));
            return false;
        } finally {
            queue.unlock();
        }
    }

    /**
     * Fails the log for good and, under {@code always}, cuts what was written after the last good force off the
     * segment: the appenders of those bytes are told their appends failed (the unforced ones among them are lost,
     * as a crash of the machine loses them), and an append that threw must never come back at the next opening.
     */
    @Override
    public void forceFailed(WriteAheadLogException failure) {
        queue.lock();
        try {
            health.fail(failure);
            discardUnforced();
        } finally {
            queue.unlock();
        }
    }

    /** Truncates the segment back to the last good force (policy {@code always}); the caller holds the write lock. */
    private void discardUnforced() {
        long keep = WalFiles.FILE_HEADER_SIZE + groupCommit.forcedTotal() - segmentStartTotal;
        if (!always || keep >= segmentPosition || keep < WalFiles.FILE_HEADER_SIZE) {
            return;
        }
        try {
            indexAheadOfFiles = true; // set first: the cut may take session ends the index counted, whatever happens next
            segment.truncate(keep);
            segmentPosition = keep; // reads stop there
            LOG.error("write-ahead log in {} cut the appends its failed force did not cover off {} at offset {}", directory,
                    files.segmentPath(segmentNumber), keep);
        } catch (IOException e) {
            LOG.error("write-ahead log in {} cannot cut the appends its failed force did not cover off {}; they may come back"
                    + " when it is opened again", directory, files.segmentPath(segmentNumber), e);
            return;
        }
        try {
            // an earlier force may have made those bytes durable while counting fewer (its fsync covered what was written
            // as it ran): a cut left in the disk's cache would be undone by a power loss, and they would come back
            segment.force();
        } catch (IOException e) {
            LOG.error("write-ahead log in {} cannot force the cut of the appends its failed force did not cover off {}; after a"
                    + " power loss they may come back when it is opened again", directory, files.segmentPath(segmentNumber), e);
        }
    }

    /**
     * Whether the live index may count session ends that a failed force cut off the files: it no longer tells
     * the live entries (those sessions are live again), so they are read from the files when the log is reopened.
     */
    boolean indexAheadOfFiles() {
        return indexAheadOfFiles;
    }

    @Override
    public long writtenTotal() {
        return queue.locked(() -> writtenTotal);
    }

    long bytesSinceCheckpoint() {
        return queue.locked(() -> bytesSinceCheckpoint);
    }

    long lastSequence() {
        return queue.locked(() -> lastSequence);
    }

    /** Hands buffered records to the OS and tells how far a read may go; throws if the log is closed. */
    WrittenEnd flushForRead() throws WriteAheadLogException {
        return whileNoAppend(() -> {
            health.checkOpen();
            writeBehind.flush();
            return new WrittenEnd(segmentNumber, segmentPosition);
        });
    }

    /** Rolls to a new segment for a checkpoint and tells what the checkpoint covers. */
    Boundary rollForCheckpoint() throws WriteAheadLogException {
        return whileNoAppend(() -> {
            health.checkUsable();
            roll();
            bytesSinceCheckpoint = 0;
            return new Boundary(segmentNumber - 1, lastSequence);
        });
    }

    /**
     * Forces everything written so far, buffered appends included, as a forced append would (joining or
     * leading a group commit); throws if the log failed or the force fails.
     */
    void forceWritten() throws WriteAheadLogException {
        groupCommit.await(new GroupCommit.Waiter(writtenTotal()), false);
    }

    /**
     * Marks the log closed so that no append is written from now on.
     *
     * @return false if it was closed already
     */
    boolean markClosed() {
        return queue.locked(() -> {
            boolean wasOpen = !health.closed();
            health.markClosed();
            return wasOpen;
        });
    }

    /** Runs {@code action} holding the write lock: no append is written meanwhile. */
    <T> T whileNoAppend(AppendQueue.Locked<T> action) throws WriteAheadLogException {
        return queue.whileLocked(action);
    }

    /**
     * Writes out what is buffered, forces it unless the policy never forces, and closes the segment; wakes
     * every force waiter. Done on an interrupted thread too: the unforced appends are forced all the same.
     *
     * @return the error that kept appends from being forced (this force's, or the failure that stopped the log
     *         earlier, after which its last acknowledged appends may be lost), or null
     */
    WriteAheadLogException closeSegment() {
        WriteAheadLogException error = null;
        queue.lock();
        try {
            writeBehind.flush();
            WriteAheadLogException failure = health.failure();
            if (failure != null) {
                error = new WriteAheadLogException("write-ahead log in " + directory + " failed before it was closed; what it"
                        + " acknowledged since its last force may be lost: " + failure.getMessage(), failure);
            } else if (options.sync() != SyncPolicy.NEVER) {
                segment.force();
                groupCommit.markForced(writtenTotal, lastSequence);
            } else {
                groupCommit.handedToOs(lastSequence);
            }
        } catch (IOException e) {
            error = new WriteAheadLogException("cannot force " + files.segmentPath(segmentNumber) + " on close: " + e, e);
            health.fail(error);
            discardUnforced(); // their appenders are told the appends failed
        } finally {
            segment.close();
            queue.unlock();
        }
        groupCommit.wakeWaiters();
        return error;
    }

    /** Closes the segment of a log whose opening failed. */
    void abandon() {
        segment.close();
    }
}
