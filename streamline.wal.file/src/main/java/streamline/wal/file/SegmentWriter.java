package streamline.wal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

/**
 * Writes appends into the current segment ({@link CurrentSegment}) and rolls to the next; its state is guarded by
 * the write lock of its {@link AppendQueue}, which nothing else takes. It takes that lock for the calls of its
 * {@link GroupCommit}, whose forces {@link SegmentForces} makes. A failed write truncates the partial record
 * away, or, if that fails too, rolls before the next write, so no half record is ever followed by good ones; reads
 * of that segment stop where its good records end. Interrupts fail no write ({@link SegmentChannel}).
 */
final class SegmentWriter implements GroupCommit.Segments {

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
    private final LogHealth health;
    private final SpareSegment spare;
    private final Executor background;
    private final GroupCommit groupCommit;
    private final AppendQueue queue;

    // guarded by the queue's write lock
    private final CurrentSegment segment;
    private final WrittenRecords written;
    private final SegmentForces forces;
    private final RecordEncoder encoder = new RecordEncoder();

    /** Opens the segment after the last one recovery found, numbering records after {@code lastSequence}. */
    SegmentWriter(WalOptions options, FileOpener opener, LogFiles files, LiveIndex live, LogHealth health, SpareSegment spare,
            Executor background, long lastSequence) throws IOException {
        this.options = options;
        this.always = options.sync() == SyncPolicy.ALWAYS;
        this.directory = options.directory().toAbsolutePath();
        this.health = health;
        this.spare = spare;
        this.background = background;
        this.written = new WrittenRecords(live, lastSequence);
        this.groupCommit = new GroupCommit(directory, health, this, lastSequence);
        this.queue = new AppendQueue(directory, always, groupCommit);
        this.segment = new CurrentSegment(options, opener, files, health, spare);
        this.forces = new SegmentForces(options, health, segment, written, groupCommit);
        segment.open(files.lastNumber() + 1, written.writtenTotal());
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
            if (segment.rollDue()) {
                roll();
            }
            buffer = encoder.encode(batch, (int) total, written.lastSequence() + 1, segment.path());
            segment.buffer(buffer);
            health.checkUsable(); // a flush of the buffer may have failed the log
        } catch (WriteAheadLogException e) {
            queue.fail(batch, e, holder);
            return;
        }
        long start = segment.position();
        try {
            segment.writeAtEnd(buffer);
        } catch (IOException e) {
            written.skip(batch);
            segment.discardPartialWrite();
            queue.fail(batch, new WriteAheadLogException("cannot append to " + segment.path() + " at offset "
                    + start + ": " + e, e), holder);
            return;
        }
        written.written(batch, segment.number(), start, total);
        segment.advance(total);
        boolean checkpointDue = options.checkpointBytes() > 0 && written.bytesSinceCheckpoint() >= options.checkpointBytes();
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

    /** Policy {@code never}: hands what is buffered to the OS on the background tick. */
    void flushInBackground() {
        queue.lock();
        try {
            if (!health.closed()) {
                segment.flush();
                if (!health.failed()) {
                    groupCommit.handedToOs(written.lastSequence());
                }
            }
        } finally {
            queue.unlock();
        }
    }

    /**
     * Starts the next segment, forcing the old one first unless the policy never forces; the caller holds the
     * write lock. A failed force fails the log: after it the file's state is unknown.
     */
    private void roll() throws WriteAheadLogException {
        segment.flush();
        health.checkUsable();
        forces.forceBeforeRoll();
        segment.next(written.writtenTotal());
    }

    @Override
    public GroupCommit.ForcePoint forcePoint() {
        return queue.locked(forces::forcePoint);
    }

    @Override
    public boolean forceReopened(long number) {
        queue.lock();
        try {
            return forces.forceReopened(number);
        } finally {
            queue.unlock();
        }
    }

    /** A force failed: see {@link SegmentForces#failed}. */
    @Override
    public void forceFailed(WriteAheadLogException failure) {
        queue.lock();
        try {
            forces.failed(failure);
        } finally {
            queue.unlock();
        }
    }

    /** Whether the live index may count session ends that a failed force cut off the files ({@link CurrentSegment}). */
    boolean indexAheadOfFiles() {
        return segment.indexAheadOfFiles();
    }

    @Override
    public long writtenTotal() {
        return queue.locked(written::writtenTotal);
    }

    long bytesSinceCheckpoint() {
        return queue.locked(written::bytesSinceCheckpoint);
    }

    long lastSequence() {
        return queue.locked(written::lastSequence);
    }

    /** Hands buffered records to the OS and tells how far a read may go; throws if the log is closed. */
    WrittenEnd flushForRead() throws WriteAheadLogException {
        return whileNoAppend(() -> {
            health.checkOpen();
            segment.flush();
            return new WrittenEnd(segment.number(), segment.position());
        });
    }

    /** Rolls to a new segment for a checkpoint and tells what the checkpoint covers. */
    Boundary rollForCheckpoint() throws WriteAheadLogException {
        return whileNoAppend(() -> {
            health.checkUsable();
            roll();
            written.checkpointed();
            return new Boundary(segment.number() - 1, written.lastSequence());
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
     * Makes every append written so far, unforced ones included, as durable as a forced append: under {@code always}
     * and {@code interval} forces them as {@link #forceWritten} does (a failed force fails the log as an append's
     * does); under {@code never}, hands them to the OS. Throws if the log is closed or failed, or the force fails.
     */
    void forceAppended() throws WriteAheadLogException {
        health.checkUsable();
        if (options.sync() != SyncPolicy.NEVER) {
            forceWritten();
            return;
        }
        whileNoAppend(() -> {
            health.checkUsable();
            segment.flush();
            health.checkUsable(); // a failed flush fails the log
            groupCommit.handedToOs(written.lastSequence());
            return null;
        });
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
        WriteAheadLogException error;
        queue.lock();
        try {
            error = forces.forceOnClose();
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
