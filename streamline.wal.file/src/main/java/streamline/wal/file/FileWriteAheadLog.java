package streamline.wal.file;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * A write-ahead log in segment files with checksummed records, group commit, and checkpoints that
 * keep only the live records. See {@link WalFiles} for the format.
 *
 * <h2>How it keeps its promises</h2>
 * <ul>
 * <li>Appends serialise outside the lock, write under it, and then (policy {@code always}) wait for a
 * force: one waiting appender forces for all whose bytes were written by then (group commit).</li>
 * <li>A failed write truncates the partial record away, or, if that fails too, rolls to a new
 * segment, so no half record is ever followed by good ones. A failed force makes the log refuse
 * every later append: after a failed fsync the file's state is unknown.</li>
 * <li>The heap holds only where each live record is (sequence, segment, offset); reads fetch
 * records from disk.</li>
 * <li>A checkpoint rolls to a new segment (appenders wait only for that), then copies the live
 * records of the older files into a new snapshot, forces it, renames it into place, and only then
 * deletes the files it replaces.</li>
 * <li>Recovery reads the snapshot and the segments after it, cuts off a torn tail, and moves the
 * rest of a segment with corruption in the middle into {@code quarantine/}, reporting each.</li>
 * </ul>
 */
public final class FileWriteAheadLog implements WriteAheadLog, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(FileWriteAheadLog.class);
    /** Recovery findings and quarantined data: audit-worthy, under their own logger name. */
    private static final Logger AUDIT = LogManager.getLogger("streamline.audit.wal");
    /** Reads of more live records than this decode on every core. */
    private static final int PARALLEL_DECODE_THRESHOLD = 20_000;
    /** The most one turn of the write lock writes (unless a single append is larger): bounds the write buffer. */
    private static final long MAX_BATCH_BYTES = 16L << 20;
    /** Write buffers up to this size are kept for the next batches; a larger one is used once. */
    private static final int RETAINED_WRITE_BUFFER = 4 << 20;

    /** A finding of recovery: what was wrong where, and what was done about it. */
    record RecoveryEvent(Path file, long offset, long bytes, String action, String reason) {
        @Override
        public String toString() {
            return action + ": " + file + " at offset " + offset + " (" + bytes + " bytes): " + reason;
        }
    }

    /** The installed snapshot: the live records of every segment up to {@code boundary}. */
    private static final class Snapshot {
        private final long boundary;
        private final Path file;
        private final SortedSequences offsets;
        private FileChannel channel;
        /**
         * The snapshot's entries as recovery decoded them, for the first read of the live entries (what the
         * engine does right after opening a log): that read then needs no second pass over the file. Softly
         * held, so that memory pressure may drop them if nobody reads; null once taken.
         */
        private SoftReference<List<LogEntry>> recoveredEntries;

        Snapshot(long boundary, Path file, FileChannel channel, SortedSequences offsets) {
            this.boundary = boundary;
            this.file = file;
            this.channel = channel;
            this.offsets = offsets;
        }

        long boundary() {
            return boundary;
        }

        Path file() {
            return file;
        }

        SortedSequences offsets() {
            return offsets;
        }

        synchronized void keepRecoveredEntries(List<LogEntry> entries) {
            recoveredEntries = entries == null ? null : new SoftReference<>(entries);
        }

        /** The entries recovery decoded, in file order, once; null if taken or dropped. */
        synchronized List<LogEntry> takeRecoveredEntries() {
            List<LogEntry> entries = recoveredEntries == null ? null : recoveredEntries.get();
            recoveredEntries = null;
            return entries;
        }

        /** The read channel, opened again if an interrupt closed it. */
        synchronized FileChannel channel() throws IOException {
            if (!channel.isOpen()) {
                channel = FileChannel.open(file, READ);
            }
            return channel;
        }

        synchronized void close() {
            closeQuietly(channel);
            recoveredEntries = null;
        }
    }

    private final WalOptions options;
    private final FileOpener opener;
    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final List<RecoveryEvent> recoveryEvents = new ArrayList<>();

    // writer state, guarded by writeLock
    private final ReentrantLock writeLock = new ReentrantLock();
    private FileChannel segment;
    private long segmentNumber;
    private long segmentPosition;
    private boolean rollBeforeNextWrite;
    private long lastSequence;
    private long writtenTotal;
    private long bytesSinceCheckpoint;
    private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final RecordChecksum writeChecksum = new RecordChecksum();
    /**
     * Policies interval and never: appended records not yet handed to the OS. They go out when it
     * fills, on the background tick, and before every roll, read, force and close.
     */
    private final ByteBuffer unflushed;
    /** Where {@link #unflushed} starts in the current segment. */
    private long flushedPosition;

    // group commit: whoever wins `forcing` forces for everyone; the others park until woken
    private final AtomicLong forcedTotal = new AtomicLong();
    private final AtomicBoolean forcing = new AtomicBoolean();
    private final ConcurrentLinkedQueue<ForceWaiter> forceWaiters = new ConcurrentLinkedQueue<>();

    /** A thread waiting until the log is forced up to {@code target}. */
    private static class ForceWaiter {
        final Thread thread = Thread.currentThread();
        volatile long target;

        ForceWaiter(long target) {
            this.target = target;
        }
    }

    private volatile WriteAheadLogException failure;
    private volatile boolean closed;

    // files, guarded by filesLock: readers share it, a checkpoint installing its snapshot takes it alone
    private final ReentrantReadWriteLock filesLock = new ReentrantReadWriteLock();
    private final ConcurrentSkipListSet<Long> segments = new ConcurrentSkipListSet<>();
    private final ConcurrentHashMap<Long, FileChannel> readers = new ConcurrentHashMap<>();
    private volatile Snapshot snapshot;

    /**
     * A zero-filled segment prepared in the background as soon as a write finds none. Writing into
     * allocated blocks spares each fdatasync the file-size update (about a third of its cost here), so
     * rolls take it when it is ready. Only for policies that force.
     */
    private final Path spare;
    private volatile boolean spareReady;
    private final AtomicBoolean spareRequested = new AtomicBoolean();

    private final LiveIndex live = new LiveIndex();
    private final Object checkpointMonitor = new Object();
    private final AtomicBoolean checkpointQueued = new AtomicBoolean();
    /** Guarded by checkpointMonitor: only checkpoints copy records. */
    private final RecordChecksum copyChecksum = new RecordChecksum();
    private final ScheduledExecutorService background;

    FileWriteAheadLog(WalOptions options) throws WriteAheadLogException {
        this(options, FileOpener.DEFAULT);
    }

    /**
     * Opens a log outside OSGi (embedded use, benchmarks) with the default settings of the
     * {@code streamline.wal.file} configuration and the given sync policy.
     *
     * @param sync {@code always}, {@code interval} or {@code never}
     */
    public static FileWriteAheadLog open(Path directory, String sync) throws WriteAheadLogException {
        return new FileWriteAheadLog(WalOptions.defaults(directory).withSync(SyncPolicy.parse(sync)));
    }

    FileWriteAheadLog(WalOptions options, FileOpener opener) throws WriteAheadLogException {
        this.options = options;
        this.opener = opener;
        this.directory = options.directory().toAbsolutePath();
        this.unflushed = options.sync() == SyncPolicy.ALWAYS ? null : ByteBuffer.allocateDirect(256 * 1024);
        this.spare = directory.resolve("segment.spare");
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve("wal.lock"), CREATE, WRITE);
        } catch (IOException e) {
            throw new WriteAheadLogException("cannot open write-ahead log directory " + directory + ": " + e, e);
        }
        lock = tryLock();
        try {
            recover();
            openSegment(Math.max(segments.isEmpty() ? 0 : segments.last(), snapshot == null ? 0 : snapshot.boundary()) + 1);
        } catch (IOException | RuntimeException e) {
            releaseQuietly();
            throw new WriteAheadLogException("cannot recover write-ahead log in " + directory + ": " + e.getMessage(), e);
        }
        background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streamline-wal-file " + directory.getFileName());
            t.setDaemon(true);
            return t;
        });
        long tick = options.syncInterval().toMillis();
        if (options.sync() == SyncPolicy.INTERVAL) {
            background.scheduleWithFixedDelay(() -> repeatedly("interval force", this::forceInBackground), tick, tick, TimeUnit.MILLISECONDS);
        } else if (options.sync() == SyncPolicy.NEVER) {
            background.scheduleWithFixedDelay(() -> repeatedly("interval flush", this::flushInBackground), tick, tick, TimeUnit.MILLISECONDS);
        }
        if (!options.checkpointInterval().isZero()) {
            long ms = options.checkpointInterval().toMillis();
            background.scheduleWithFixedDelay(() -> repeatedly("checkpoint", this::checkpointInBackground), ms, ms, TimeUnit.MILLISECONDS);
        }
        LOG.info("write-ahead log open in {}: sync {}, {} live sessions, last sequence {}", directory,
                options.sync(), live.sessionCount(), lastSequence);
    }

    private FileLock tryLock() throws WriteAheadLogException {
        FileLock acquired;
        try {
            acquired = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            acquired = null;
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new WriteAheadLogException("cannot lock " + directory.resolve("wal.lock") + ": " + e, e);
        }
        if (acquired == null) {
            closeQuietly(lockChannel);
            throw new WriteAheadLogException("write-ahead log directory " + directory
                    + " is in use by another log (" + directory.resolve("wal.lock") + " is locked)");
        }
        return acquired;
    }

    /** What recovery found and did; empty after a clean shutdown. */
    /** Whether a preallocated segment is ready for the next roll. */
    boolean spareReady() {
        return spareReady;
    }

    List<RecoveryEvent> recoveryEvents() {
        return List.copyOf(recoveryEvents);
    }

    // ---------------------------------------------------------------- appending

    @Override
    public long append(LogEntry entry) throws WriteAheadLogException {
        return write(List.of(entry));
    }

    @Override
    public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("nothing to append");
        }
        return write(entries);
    }

    /** Entries waiting to be written, in the order their appenders queued them. */
    private final ConcurrentLinkedQueue<PendingWrite> pending = new ConcurrentLinkedQueue<>();

    /**
     * One append's encoded entries and, once written, its outcome: fields set under the write lock,
     * {@code done} last (volatile), so the appender reads them without the lock. Once written, it is
     * its appender's force waiter (target: the end of its bytes).
     */
    private static final class PendingWrite extends ForceWaiter {
        final List<LogEntry> entries;
        final byte[][] payloads;
        final int bytes;
        volatile boolean done;
        long lastSequence;
        boolean checkpointDue;
        WriteAheadLogException error;

        /**
         * @throws EntryRejectedException if an entry is larger than a record may be (recovery would take
         *         such a record for corruption, so it is refused here rather than written and lost later), or
         *         holds text UTF-8 cannot carry (it would come back changed)
         */
        PendingWrite(List<LogEntry> entries, Path directory) throws EntryRejectedException {
            super(Long.MAX_VALUE);
            this.entries = entries;
            this.payloads = new byte[entries.size()][];
            long total = 0;
            for (int i = 0; i < payloads.length; i++) {
                LogEntry entry = entries.get(i);
                try {
                    payloads[i] = EntryCodec.encode(entry);
                } catch (IllegalArgumentException e) {
                    throw refused(directory, entry, e.getMessage());
                }
                if (payloads[i].length > WalFiles.MAX_PAYLOAD) {
                    throw refused(directory, entry, payloads[i].length + " bytes encoded, at most " + WalFiles.MAX_PAYLOAD
                            + " (" + (WalFiles.MAX_PAYLOAD >> 20) + " MiB) per entry");
                }
                total += WalFiles.RECORD_HEADER_SIZE + payloads[i].length;
            }
            if (total > Integer.MAX_VALUE) {
                throw new EntryRejectedException("write-ahead log in " + directory + " refuses an append of " + entries.size()
                        + " entries totalling " + total + " bytes encoded, over 2 GiB in one write; nothing was written");
            }
            this.bytes = (int) total;
        }

        private static EntryRejectedException refused(Path directory, LogEntry entry, String why) {
            return new EntryRejectedException("write-ahead log in " + directory + " refuses the " + entry.kind() + " entry of session "
                    + entry.sessionId() + (entry.processorName().isEmpty() ? "" : ", step '" + entry.processorName() + "'")
                    + ": " + why + "; nothing of this append was written");
        }
    }

    /**
     * Queues the entries; the appender that gets the write lock writes everything queued in one
     * system call (write combining). Under {@code always}, the others sleep meanwhile, and a written
     * append waits for a force that covers it, leading one if none runs; each sleeping appender is
     * woken once its part is done, or to take the next turn, never only to wait again (a force costs
     * far more than a wake-up, and 32 appenders on 2 cores would otherwise spend it on wake-ups).
     */
    private long write(List<LogEntry> entries) throws WriteAheadLogException {
        PendingWrite mine = new PendingWrite(entries, directory);
        pending.add(mine);
        if (options.sync() == SyncPolicy.ALWAYS) {
            awaitWritten(mine);
        } else {
            // an unforced write takes a microsecond: taking the lock in turn beats waking appenders one by one
            writeLock.lock();
            try {
                // a turn writes at most MAX_BATCH_BYTES: appends queued before this one may fill it
                while (!mine.done && !pending.isEmpty()) {
                    writeQueued(mine);
                }
            } finally {
                writeLock.unlock();
            }
            if (!mine.done) {
                throw new WriteAheadLogException("append to " + directory + " was taken from the queue and never written");
            }
        }
        if (mine.error != null) {
            throw mine.error;
        }
        if (options.sync() == SyncPolicy.ALWAYS) {
            awaitForced(mine, true);
        }
        if (mine.checkpointDue && checkpointQueued.compareAndSet(false, true)) {
            background.execute(this::checkpointInBackground);
        }
        return mine.lastSequence;
    }

    /** Under {@code always}: writes the queued appends if this appender gets the lock, else sleeps until they are written. */
    private void awaitWritten(PendingWrite mine) {
        boolean interrupted = false;
        try {
            while (!mine.done) {
                if (writeLock.tryLock()) {
                    try {
                        if (!mine.done) {
                            writeQueued(mine);
                        }
                    } finally {
                        unlockWrite();
                    }
                } else {
                    LockSupport.park(this); // the holder writes this append, or hands the lock on
                    interrupted |= Thread.interrupted(); // an interrupt must not turn this into a spin
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Releases the write lock and, under {@code always}, wakes the first queued appender, if any, to
     * take it: those appenders sleep while the lock is held, by a writer or by anyone else, and are
     * woken only here. (Under the other policies appenders wait in the lock itself.)
     */
    private void unlockWrite() {
        writeLock.unlock();
        if (options.sync() == SyncPolicy.ALWAYS) {
            PendingWrite next = pending.peek();
            if (next != null) {
                LockSupport.unpark(next.thread);
            }
        }
    }

    /**
     * Marks a written (or failed) append done. Under {@code always}, a written append becomes a force
     * waiter and sleeps on until a force covers it, and a failed one is woken now; under the other
     * policies its appender finds it done once it gets the lock.
     */
    private void complete(PendingWrite write, PendingWrite holder) {
        boolean always = options.sync() == SyncPolicy.ALWAYS;
        boolean awaitsForce = always && write.error == null;
        if (awaitsForce) {
            forceWaiters.add(write); // before done: a force finishing from now on sees it
        }
        write.done = true;
        if (always && !awaitsForce && write != holder) {
            LockSupport.unpark(write.thread);
        }
    }

    /**
     * Writes the queued appends as one batch, up to {@link #MAX_BATCH_BYTES} (at least the first); the
     * rest stays queued for the next turn. The caller holds the write lock.
     */
    private void writeQueued(PendingWrite holder) {
        List<PendingWrite> batch = new ArrayList<>();
        long total = 0;
        // only the lock holder takes from the queue, so the head it looked at is the one it takes
        for (PendingWrite next; (next = pending.peek()) != null; ) {
            if (!batch.isEmpty() && total + next.bytes > MAX_BATCH_BYTES) {
                break;
            }
            pending.poll();
            batch.add(next);
            total += next.bytes;
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            checkUsable();
            reopenSegmentIfClosed();
            if (rollBeforeNextWrite || segmentPosition >= options.segmentBytes()) {
                roll();
            }
        } catch (WriteAheadLogException e) {
            finish(batch, e, holder);
            return;
        }
        ByteBuffer buffer;
        try {
            buffer = writeBuffer((int) total);
        } catch (OutOfMemoryError e) { // "Direct buffer memory": the appends fail, and no appender waits forever
            finish(batch, new WriteAheadLogException("cannot append " + total + " bytes to " + segmentPath(segmentNumber)
                    + ": no memory for the write buffer (" + e.getMessage() + ")", e), holder);
            return;
        }
        long start = segmentPosition;
        long firstSequence = lastSequence + 1;
        long sequence = firstSequence;
        for (PendingWrite write : batch) {
            for (byte[] payload : write.payloads) {
                buffer.putInt(payload.length).putInt(writeChecksum.of(sequence, payload))
                        .putLong(sequence).put(payload);
                sequence++;
            }
        }
        buffer.flip();
        if (unflushed != null) {
            if (unflushed.remaining() < total) {
                flushUnflushed();
            }
            if (failure == null && unflushed.remaining() >= total) {
                unflushed.put(buffer);
                buffer.clear().limit(0);
            }
        }
        boolean interrupted = Thread.interrupted();
        try {
            checkUsable();
            long at = start;
            while (buffer.hasRemaining()) {
                at += segment.write(buffer, at);
            }
            if (unflushed == null || unflushed.position() == 0) {
                flushedPosition = at;
            }
        } catch (WriteAheadLogException e) {
            finish(batch, e, holder);
            return;
        } catch (IOException e) {
            lastSequence = sequence - 1; // never reuse a number that may be on disk
            discardPartialWrite(start);
            finish(batch, new WriteAheadLogException("cannot append to " + segmentPath(segmentNumber) + " at offset "
                    + start + ": " + e, e), holder);
            return;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        long offset = start;
        sequence = firstSequence;
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
        boolean checkpointDue = options.checkpointBytes() > 0 && bytesSinceCheckpoint >= options.checkpointBytes();
        for (PendingWrite write : batch) {
            write.checkpointDue = checkpointDue;
            complete(write, holder);
        }
        // a spare ready at every roll: a checkpoint rolls whenever it starts, and a segment opened without one
        // paid the dearer forces of a growing file all its life (one benchmark iteration in two, a quarter slower)
        if (options.sync() != SyncPolicy.NEVER && !spareReady && spareRequested.compareAndSet(false, true)) {
            background.execute(this::prepareSpare);
        }
    }

    /** Writes the spare segment: zeros up to the segment size, forced, then marked ready. */
    private void prepareSpare() {
        if (closed || spareReady) {
            spareRequested.set(false);
            return;
        }
        try (FileChannel channel = FileChannel.open(spare, CREATE, TRUNCATE_EXISTING, WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < options.segmentBytes(); at += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), options.segmentBytes() - at));
                while (zeros.hasRemaining()) {
                    channel.write(zeros, at + zeros.position());
                }
            }
            channel.force(true);
            WalFiles.forceDirectory(directory);
            spareReady = true;
        } catch (IOException e) {
            LOG.warn("cannot preallocate {}; segments grow as they are written", spare, e);
            deleteQuietly(spare);
        } finally {
            spareRequested.set(false);
        }
    }

    private void finish(List<PendingWrite> batch, WriteAheadLogException error, PendingWrite holder) {
        for (PendingWrite write : batch) {
            write.error = error;
            complete(write, holder);
        }
    }

    /**
     * Hands the buffered records to the OS; the caller holds the write lock. A failure here loses
     * records whose appends already returned (what policies interval and never allow), so the log
     * refuses every later append.
     */
    private void flushUnflushed() {
        if (unflushed == null || unflushed.position() == 0) {
            return;
        }
        unflushed.flip();
        boolean interrupted = Thread.interrupted();
        try {
            reopenSegmentIfClosed();
            long at = flushedPosition;
            while (unflushed.hasRemaining()) {
                at += segment.write(unflushed, at);
            }
            flushedPosition = at;
        } catch (IOException | WriteAheadLogException e) {
            failure = new WriteAheadLogException("cannot write buffered appends to " + segmentPath(segmentNumber)
                    + " at offset " + flushedPosition + "; appends since the last flush are lost: " + e, e);
            LOG.error("write-ahead log in {} lost buffered appends and refuses appends from now on", directory, e);
        } finally {
            unflushed.clear();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs one turn of a periodic task: a task that throws is never run again, so whatever a turn throws is only logged. */
    private void repeatedly(String what, Runnable turn) {
        try {
            turn.run();
        } catch (Throwable e) {
            LOG.error("{} of the write-ahead log in {} failed; it runs again at its next interval", what, directory, e);
        }
    }

    private void flushInBackground() {
        writeLock.lock();
        try {
            if (!closed) {
                flushUnflushed();
            }
        } finally {
            unlockWrite();
        }
    }

    private ByteBuffer writeBuffer(int size) {
        if (size > RETAINED_WRITE_BUFFER) {
            return ByteBuffer.allocateDirect(size); // used once: kept, it would hold that memory for the log's life
        }
        if (writeBuffer.capacity() < size) {
            writeBuffer = ByteBuffer.allocateDirect(Math.min(RETAINED_WRITE_BUFFER, Math.max(size, writeBuffer.capacity() * 2)));
        }
        return writeBuffer.clear();
    }

    /**
     * An interrupt during channel I/O closes the channel (a JDK rule); the file is fine, so open it
     * again. The caller holds the write lock.
     */
    private void reopenSegmentIfClosed() throws WriteAheadLogException {
        if (!segment.isOpen()) {
            try {
                segment = opener.open(segmentPath(segmentNumber), READ, WRITE);
            } catch (IOException e) {
                throw new WriteAheadLogException("cannot reopen " + segmentPath(segmentNumber) + ": " + e, e);
            }
        }
    }

    /** Removes the bytes of a failed write; if that fails too, the next write starts a new segment. */
    private void discardPartialWrite(long start) {
        try {
            reopenSegmentIfClosed();
            segment.truncate(start);
        } catch (IOException | WriteAheadLogException e) {
            LOG.warn("cannot truncate {} back to {} after a failed write; the next append starts a new segment",
                    segmentPath(segmentNumber), start, e);
            rollBeforeNextWrite = true;
        }
    }

    private void checkUsable() throws WriteAheadLogException {
        if (closed) {
            throw new WriteAheadLogException("write-ahead log in " + directory + " is closed");
        }
        WriteAheadLogException failed = failure;
        if (failed != null) {
            throw new WriteAheadLogException("write-ahead log in " + directory + " failed earlier and takes no"
                    + " more appends until it is reopened: " + failed.getMessage(), failed);
        }
    }

    /**
     * Waits until everything up to {@code target} (bytes appended since open) is forced. The first
     * waiter that finds no force running forces for everyone written so far; the others park, each on
     * its own, so that waking them costs no contended lock.
     */
    private void awaitForced(ForceWaiter me, boolean registered) throws WriteAheadLogException {
        long target = me.target;
        if (forcedTotal.get() >= target) {
            if (registered) {
                forceWaiters.remove(me);
            }
            return;
        }
        if (!registered) {
            forceWaiters.add(me); // registered before checking, so a leader finishing now unparks us
        }
        boolean interrupted = false;
        try {
            while (forcedTotal.get() < target) {
                checkUsable();
                if (forcing.compareAndSet(false, true)) {
                    try {
                        forceAsLeader();
                    } finally {
                        forcing.set(false);
                        wakeForceWaiters();
                    }
                } else {
                    LockSupport.park(this);
                    // the bytes are written; giving up on an interrupt would break the durability promise
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            forceWaiters.remove(me);
            if (interrupted) {
                me.thread.interrupt();
            }
        }
    }

    /**
     * Wakes the waiters whose bytes are forced now, and one more whose bytes are not, to lead the next
     * force (every waiter's bytes were written before it registered, so that force covers them all);
     * the rest sleep on instead of waking only to wait again. After a failure or close, wakes all.
     */
    private void wakeForceWaiters() {
        long forced = forcedTotal.get();
        boolean wakeAll = closed || failure != null;
        boolean leaderWoken = false;
        for (ForceWaiter waiter : forceWaiters) {
            if (wakeAll || waiter.target <= forced) {
                LockSupport.unpark(waiter.thread);
            } else if (!leaderWoken) {
                LockSupport.unpark(waiter.thread);
                leaderWoken = true;
            }
        }
    }

    private void markForced(long upTo) {
        forcedTotal.accumulateAndGet(upTo, Math::max);
    }

    private void forceAsLeader() {
        long upTo;
        FileChannel channel;
        long number;
        writeLock.lock();
        try {
            flushUnflushed();
            upTo = writtenTotal;
            channel = segment;
            number = segmentNumber;
        } finally {
            unlockWrite();
        }
        IOException error = null;
        boolean counted = true;
        boolean interrupted = Thread.interrupted();
        try {
            channel.force(false);
        } catch (ClosedChannelException e) {
            counted = forceClosedSegment(number);
        } catch (IOException e) {
            error = e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (error != null) {
            failure = new WriteAheadLogException("cannot force " + segmentPath(number) + " to disk: " + error, error);
            LOG.error("write-ahead log in {} failed to force its segment; it refuses appends from now on", directory, error);
        } else if (counted) {
            markForced(upTo);
        }
    }

    /**
     * The channel was closed under a force: by a roll (which forced it first), by close, or by an
     * interrupt. In the last case the written bytes are forced through a new channel.
     *
     * @return whether the bytes up to the captured position are now forced
     */
    private boolean forceClosedSegment(long number) {
        // the interrupt that closed the channel is still pending: forcing again with it would close the new one too,
        // and fail the log for good over an interrupt
        boolean interrupted = Thread.interrupted();
        writeLock.lock();
        try {
            if (closed || number != segmentNumber) {
                return false; // close or roll counted the bytes already, or will fail the waiters
            }
            reopenSegmentIfClosed();
            segment.force(false);
            return true;
        } catch (IOException | WriteAheadLogException e) {
            failure = new WriteAheadLogException("cannot force " + segmentPath(number) + " to disk: " + e, e);
            return false;
        } finally {
            unlockWrite();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void forceInBackground() {
        long target;
        writeLock.lock();
        try {
            target = writtenTotal;
        } finally {
            unlockWrite();
        }
        try {
            awaitForced(new ForceWaiter(target), false);
        } catch (WriteAheadLogException e) {
            LOG.debug("interval force skipped: {}", e.getMessage());
        }
    }

    /** Starts the next segment; the caller holds the write lock. */
    private void roll() throws WriteAheadLogException {
        flushUnflushed();
        checkUsable();
        FileChannel old = segment;
        try {
            if (options.sync() != SyncPolicy.NEVER) {
                old.force(false);
                markForced(writtenTotal);
                wakeForceWaiters();
            }
            openSegment(segmentNumber + 1);
        } catch (IOException e) {
            throw new WriteAheadLogException("cannot start segment " + (segmentNumber + 1) + " in " + directory + ": " + e, e);
        }
        rollBeforeNextWrite = false;
        closeQuietly(old);
    }

    private void openSegment(long number) throws IOException {
        Path file = segmentPath(number);
        boolean preallocated = false;
        if (spareReady && !Files.exists(file)) {
            spareReady = false;
            try {
                Files.move(spare, file, StandardCopyOption.ATOMIC_MOVE);
                preallocated = true;
            } catch (IOException e) {
                LOG.warn("cannot take the spare segment {}; creating {} instead", spare, file, e);
                deleteQuietly(spare);
            }
        }
        // never open an existing file as a new segment, unless it is the spare just moved into place
        FileChannel channel = preallocated ? opener.open(file, READ, WRITE) : opener.open(file, CREATE_NEW, READ, WRITE);
        try {
            ByteBuffer header = WalFiles.header(WalFiles.SEGMENT_MAGIC, number, 0);
            while (header.hasRemaining()) {
                channel.write(header, header.position());
            }
            if (options.sync() != SyncPolicy.NEVER) {
                channel.force(true);
                WalFiles.forceDirectory(directory);
            }
        } catch (IOException e) {
            closeQuietly(channel);
            Files.deleteIfExists(file);
            throw e;
        }
        segment = channel;
        segmentNumber = number;
        segmentPosition = WalFiles.FILE_HEADER_SIZE;
        flushedPosition = WalFiles.FILE_HEADER_SIZE;
        segments.add(number);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<LogEntry> entries() throws WriteAheadLogException {
        return read(null, false);
    }

    /**
     * Reads the snapshot and the segments in order, decoding the records {@code wanted} contains (all
     * of them if it is null). Sequential reads: far faster than fetching records one by one.
     *
     * @param takeRecovered whether to take the snapshot's entries that recovery decoded, if still held,
     *        instead of reading the snapshot again
     */
    private List<LogEntry> read(SortedSequences wanted, boolean takeRecovered) throws WriteAheadLogException {
        long activeSegment;
        long activeEnd;
        writeLock.lock();
        try {
            checkOpen();
            flushUnflushed();
            activeSegment = segmentNumber;
            activeEnd = segmentPosition;
        } finally {
            unlockWrite();
        }
        List<LogEntry> entries = new ArrayList<>(wanted == null ? 1024 : wanted.size());
        boolean interrupted = Thread.interrupted();
        int cores = Runtime.getRuntime().availableProcessors();
        // a bulk read (recovery, a swap) decodes on every core; small reads stay on this thread
        boolean parallel = cores > 1 && (wanted == null ? segments.size() > 1 || snapshot != null
                : wanted.size() > PARALLEL_DECODE_THRESHOLD);
        filesLock.readLock().lock();
        Vocabulary vocabulary = new Vocabulary();
        // files are read in sequence order, so the cursor finds each wanted sequence in constant time
        SortedSequences.Cursor wantedCursor = wanted == null ? null : wanted.cursor();
        try (ParallelDecoder decoder = parallel ? new ParallelDecoder(cores) : null) {
            RecordScanner.Visitor visitor = (sequence, offset, payload) -> {
                if (wanted == null || wantedCursor.contains(sequence)) {
                    if (decoder != null) {
                        decoder.add(sequence, payload);
                    } else {
                        entries.add(EntryCodec.decode(sequence, payload, vocabulary));
                    }
                }
            };
            Snapshot current = snapshot;
            List<LogEntry> recovered = current != null && takeRecovered ? current.takeRecoveredEntries() : null;
            if (recovered != null) {
                for (LogEntry entry : recovered) {
                    if (wanted == null || wantedCursor.contains(entry.sequence())) {
                        entries.add(entry);
                    }
                }
            } else if (current != null) {
                FileChannel channel = current.channel();
                readAll(current.file(), channel, channel.size(), visitor);
            }
            for (long number : segments) {
                if (number > activeSegment) {
                    break;
                }
                FileChannel channel = reader(number);
                readAll(segmentPath(number), channel, number == activeSegment ? activeEnd : channel.size(), visitor);
            }
            if (decoder != null) {
                decoder.drainInto(entries);
            }
        } catch (IOException | ExecutionException e) {
            throw new WriteAheadLogException("cannot read write-ahead log in " + directory + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // a record whose checksum matched but which is no entry of this format
            throw new WriteAheadLogException("cannot read write-ahead log in " + directory + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            interrupted = true;
            throw new WriteAheadLogException("interrupted while reading the write-ahead log in " + directory, e);
        } finally {
            filesLock.readLock().unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        entries.sort(Comparator.comparingLong(LogEntry::sequence));
        return entries;
    }

    private static void readAll(Path file, FileChannel channel, long end, RecordScanner.Visitor visitor)
            throws IOException {
        RecordScanner.Damage damage = RecordScanner.scan(channel, WalFiles.FILE_HEADER_SIZE, end, visitor);
        if (damage != null && !damage.padding()) {
            throw new IOException(file + " at offset " + damage.offset() + ": " + damage.reason());
        }
    }

    @Override
    public List<LogEntry> liveEntries() throws WriteAheadLogException {
        checkOpen();
        List<LogEntry> recovered = recoveredIfUnchanged();
        if (recovered != null) {
            return recovered;
        }
        SortedSequences wanted = SortedSequences.set(this.live.sizeHint());
        this.live.forEachRecord(Long.MAX_VALUE, (sequence, segmentId, offset) -> wanted.add(sequence, 0));
        // the index holds records of unfinished sessions only, and never a finish record
        return read(wanted.seal(), true);
    }

    /**
     * The snapshot's entries as recovery decoded them, if they are still the live entries: nothing was
     * appended since the log opened (what the engine finds when it reads the log at its start), so no
     * filtering by the index and no sort. Null otherwise, or if they were taken or dropped.
     */
    private List<LogEntry> recoveredIfUnchanged() throws WriteAheadLogException {
        writeLock.lock();
        try {
            checkOpen();
            Snapshot current = snapshot;
            return current != null && live.onlyTheSnapshotsRecords() ? current.takeRecoveredEntries() : null;
        } finally {
            unlockWrite();
        }
    }


    /**
     * Copies a whole record (header and payload), checked against its checksum, to {@code out} at its
     * position, reading its header into {@code header} first. Nothing but the checksum's small helpers
     * is allocated per record: a checkpoint copies a million of them, and two new buffers each came to
     * about 700 MB of garbage per checkpoint. The caller holds the files read lock.
     *
     * @return the record's size; if {@code out} has less room than that, nothing was copied
     */
    private int copyRecord(long sequence, int segmentId, long offset, ByteBuffer header, ByteBuffer out) throws IOException {
        Snapshot current = snapshot;
        FileChannel channel;
        long at;
        Path file;
        if (current != null && segmentId <= current.boundary()) {
            channel = current.channel();
            at = current.offsets().get(sequence);
            file = current.file();
            if (at < 0) {
                throw new IOException("record " + sequence + " is missing from snapshot " + file);
            }
        } else {
            channel = reader(segmentId);
            at = offset;
            file = segmentPath(segmentId);
        }
        readFully(channel, header.clear(), at);
        int length = header.getInt(0);
        if (length < 1 || length > WalFiles.MAX_PAYLOAD || header.getLong(8) != sequence) {
            throw new IOException(file + " at offset " + at + ": expected record " + sequence);
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
            throw new IOException(file + " at offset " + at + ": checksum mismatch in record " + sequence);
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

    private FileChannel reader(long number) throws IOException {
        FileChannel existing = readers.get(number);
        if (existing != null && !existing.isOpen()) {
            readers.remove(number, existing);
        }
        try {
            return readers.computeIfAbsent(number, n -> {
                try {
                    return FileChannel.open(segmentPath(n), READ);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void checkOpen() throws WriteAheadLogException {
        if (closed) {
            throw new WriteAheadLogException("write-ahead log in " + directory + " is closed");
        }
    }

    // ---------------------------------------------------------------- checkpoints

    private void checkpointInBackground() {
        checkpointQueued.set(false);
        if (closed || failure != null) {
            return;
        }
        try {
            if (bytesSinceCheckpointSnapshot() > 0) {
                checkpoint();
            }
        } catch (WriteAheadLogException | RuntimeException e) {
            if (closed) {
                LOG.debug("checkpoint of {} stopped by close", directory, e);
            } else {
                LOG.error("checkpoint of the write-ahead log in {} failed; the segments stay until the next one", directory, e);
            }
        }
    }

    private long bytesSinceCheckpointSnapshot() {
        writeLock.lock();
        try {
            return bytesSinceCheckpoint;
        } finally {
            unlockWrite();
        }
    }

    /**
     * Writes the live records of every segment before the current one into a new snapshot and
     * deletes the files it replaces. Appenders wait only for the roll to a new segment.
     */
    public void checkpoint() throws WriteAheadLogException {
        synchronized (checkpointMonitor) {
            long boundary;
            long boundarySequence;
            writeLock.lock();
            try {
                checkUsable();
                roll();
                boundary = segmentNumber - 1;
                boundarySequence = lastSequence;
                bytesSinceCheckpoint = 0;
            } finally {
                unlockWrite();
            }
            Path file = directory.resolve(WalFiles.snapshotName(boundary));
            Path temporary = directory.resolve(WalFiles.snapshotName(boundary) + ".tmp");
            SortedSequences offsets;
            long records;
            filesLock.readLock().lock();
            try (FileChannel out = opener.open(temporary, CREATE, TRUNCATE_EXISTING, WRITE)) {
                offsets = writeSnapshot(out, boundary, boundarySequence);
                records = offsets.size();
                out.force(true);
            } catch (IOException e) {
                deleteQuietly(temporary);
                throw new WriteAheadLogException("cannot write snapshot " + temporary + ": " + e, e);
            } finally {
                filesLock.readLock().unlock();
            }
            FileChannel channel;
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
                WalFiles.forceDirectory(directory);
                channel = FileChannel.open(file, READ);
            } catch (IOException e) {
                deleteQuietly(temporary);
                throw new WriteAheadLogException("cannot install snapshot " + file + ": " + e, e);
            }
            Snapshot replaced;
            List<Long> obsolete = new ArrayList<>();
            filesLock.writeLock().lock();
            try {
                replaced = snapshot;
                snapshot = new Snapshot(boundary, file, channel, offsets);
                for (long number : segments.headSet(boundary, true)) {
                    obsolete.add(number);
                    segments.remove(number);
                    closeQuietly(readers.remove(number));
                }
            } finally {
                filesLock.writeLock().unlock();
            }
            try {
                if (replaced != null) {
                    replaced.close();
                    Files.deleteIfExists(replaced.file());
                }
                for (long number : obsolete) {
                    Files.deleteIfExists(segmentPath(number));
                }
                WalFiles.forceDirectory(directory);
            } catch (IOException e) {
                LOG.warn("checkpoint of {} could not delete every file it replaced; recovery deletes them later", directory, e);
            }
            LOG.debug("checkpoint of {} at segment {}: {} live records, {} segments deleted", directory, boundary,
                    records, obsolete.size());
        }
    }

    private SortedSequences writeSnapshot(FileChannel out, long boundary, long boundarySequence) throws IOException {
        // the live records' sequences, each with its place in `where` (segment, offset)
        SortedSequences order = new SortedSequences(live.sizeHint());
        long[][] where = {new long[1024], new long[1024]};
        live.forEachRecord(boundarySequence, (sequence, segmentId, offset) -> {
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
        buffer.put(WalFiles.header(WalFiles.SNAPSHOT_MAGIC, boundary, boundarySequence));
        long position = 0;
        for (int k = 0; k < order.size(); k++) {
            long sequence = order.sequenceAt(k);
            int i = (int) order.valueAt(k);
            if (closed) {
                throw new IOException("log closed during the checkpoint");
            }
            int before = buffer.position();
            int size = copyRecord(sequence, (int) where[0][i], where[1][i], header, buffer);
            if (buffer.position() == before) { // no room: write out what is gathered, then copy again
                position = flush(out, buffer, position);
                if (buffer.capacity() < size) {
                    buffer = ByteBuffer.allocate(size);
                }
                copyRecord(sequence, (int) where[0][i], where[1][i], header, buffer);
            }
            offsets.add(sequence, position + buffer.position() - size);
        }
        flush(out, buffer, position);
        return offsets.seal();
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

    // ---------------------------------------------------------------- recovery

    private void recover() throws IOException {
        Map<Long, Path> segmentFiles = new TreeMap<>();
        Map<Long, Path> snapshotFiles = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".tmp") || name.equals("segment.spare")) {
                    Files.delete(file); // a checkpoint or a preallocation that never finished
                } else if (WalFiles.segmentNumber(name) >= 0) {
                    segmentFiles.put(WalFiles.segmentNumber(name), file);
                } else if (WalFiles.snapshotNumber(name) >= 0) {
                    snapshotFiles.put(WalFiles.snapshotNumber(name), file);
                }
            }
        }
        long boundary = 0;
        if (!snapshotFiles.isEmpty()) {
            long newest = ((TreeMap<Long, Path>) snapshotFiles).lastKey();
            for (Map.Entry<Long, Path> older : snapshotFiles.entrySet()) {
                if (older.getKey() != newest) {
                    Files.delete(older.getValue()); // replaced by the newest, deletion interrupted
                }
            }
            boundary = recoverSnapshot(newest, snapshotFiles.get(newest));
        }
        for (Map.Entry<Long, Path> e : segmentFiles.entrySet()) {
            if (e.getKey() <= boundary) {
                Files.delete(e.getValue()); // covered by the snapshot, deletion interrupted
            } else {
                recoverSegment(e.getKey(), e.getValue());
            }
        }
        if (!recoveryEvents.isEmpty()) {
            WalFiles.forceDirectory(directory);
        }
    }

    private long recoverSnapshot(long boundary, Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, READ, WRITE);
        WalFiles.Header header;
        try {
            header = WalFiles.readHeader(channel, file, WalFiles.SNAPSHOT_MAGIC);
        } catch (WalFiles.UnsupportedVersionException e) {
            closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel);
            quarantineWholeFile(file, e.getMessage());
            AUDIT.error("the snapshot {} is unreadable and was quarantined: sessions it held are lost", file);
            return 0;
        }
        if (header == null) {
            throw new IOException(file + " is shorter than its header, yet snapshots are only renamed into place once forced");
        }
        lastSequence = Math.max(lastSequence, header.lastSequence());
        // a first guess of the record count, so neither the offsets nor the index grow step by step
        int expected = (int) Math.min(1 << 24, channel.size() / 256);
        SortedSequences offsets = new SortedSequences(expected);
        SnapshotSessions.Builder sessions = new SnapshotSessions.Builder(expected);
        RecordScanner.Damage damage;
        List<LogEntry> decoded;
        // the snapshot's records are live entries the engine reads right after opening: decoded in this pass, on the other cores
        try (SnapshotDecoding decoding = new SnapshotDecoding(file, expected)) {
            damage = RecordScanner.scan(channel, WalFiles.FILE_HEADER_SIZE, channel.size(),
                    (sequence, offset, payload) -> {
                        offsets.add(sequence, offset);
                        sessions.add(EntryCodec.sessionHigh(payload), EntryCodec.sessionLow(payload), sequence);
                        lastSequence = Math.max(lastSequence, sequence);
                        decoding.add(sequence, payload);
                    });
            decoded = decoding.entries();
        }
        live.recovered(sessions.build());
        if (damage != null) {
            handleDamage(file, channel, damage, false);
        }
        channel.close();
        snapshot = new Snapshot(boundary, file, FileChannel.open(file, READ), offsets.seal());
        snapshot.keepRecoveredEntries(decoded);
        return boundary;
    }

    /**
     * Decodes a snapshot's records while recovery scans them. A record it cannot decode (its checksum
     * matched, so written by another version or a bug) does not fail the opening: the decoded entries are
     * dropped, and reading the live entries reads the snapshot again and reports it.
     */
    private static final class SnapshotDecoding implements AutoCloseable {
        private final Path file;
        private final ParallelDecoder decoder;
        private final Vocabulary vocabulary;
        private List<LogEntry> entries = new ArrayList<>();

        SnapshotDecoding(Path file, int expectedRecords) {
            this.file = file;
            int cores = Runtime.getRuntime().availableProcessors();
            // a small snapshot is decoded on this thread, as a small read is
            boolean parallel = cores > 1 && expectedRecords > PARALLEL_DECODE_THRESHOLD;
            // one thread a core, this one included (it decodes too when the others are behind): recovery runs
            // in a fresh JVM, whose compiler threads need the cores as well; with a decoder more than that, a
            // million entries took 8 % longer to recover there (and 8 % less once the decoder was compiled)
            this.decoder = parallel ? new ParallelDecoder(cores - 1) : null;
            this.vocabulary = parallel ? null : new Vocabulary();
        }

        void add(long sequence, ByteBuffer payload) {
            if (decoder != null) {
                decoder.add(sequence, payload);
            } else if (entries != null) {
                try {
                    entries.add(EntryCodec.decode(sequence, payload, vocabulary));
                } catch (IllegalArgumentException e) {
                    dropped(e);
                }
            }
        }

        /** The decoded entries in file order, or null if one record could not be decoded. */
        List<LogEntry> entries() {
            if (decoder != null) {
                try {
                    decoder.drainInto(entries);
                } catch (ExecutionException e) {
                    dropped(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    entries = null;
                }
            }
            return entries;
        }

        private void dropped(Throwable cause) {
            LOG.debug("a record of {} cannot be decoded; its entries are read again when asked for", file, cause);
            entries = null;
        }

        @Override
        public void close() {
            if (decoder != null) {
                decoder.close();
            }
        }
    }

    private void recoverSegment(long number, Path file) throws IOException {
        try (FileChannel channel = opener.open(file, READ, WRITE)) {
            WalFiles.Header header;
            try {
                header = WalFiles.readHeader(channel, file, WalFiles.SEGMENT_MAGIC);
            } catch (WalFiles.UnsupportedVersionException e) {
                throw e;
            } catch (IOException e) {
                channel.close();
                quarantineWholeFile(file, e.getMessage());
                return;
            }
            if (header == null) {
                long size = channel.size();
                channel.close();
                Files.delete(file);
                recoveryEvents.add(report(new RecoveryEvent(file, 0, size, "deleted",
                        "a segment whose creation did not finish (shorter than its header)")));
                return;
            }
            RecordScanner.Damage damage = RecordScanner.scan(channel, WalFiles.FILE_HEADER_SIZE, channel.size(),
                    (sequence, offset, payload) -> {
                        long sessionHigh = EntryCodec.sessionHigh(payload);
                        long sessionLow = EntryCodec.sessionLow(payload);
                        if (EntryCodec.kind(payload) == LogEntry.Kind.SESSION_FINISHED) {
                            live.finish(sessionHigh, sessionLow);
                        } else {
                            live.add(sessionHigh, sessionLow, sequence, (int) number, offset);
                        }
                        lastSequence = Math.max(lastSequence, sequence);
                    });
            if (damage != null) {
                handleDamage(file, channel, damage, true);
            }
        }
        segments.add(number);
    }

    /** Cuts a torn tail off, or moves the rest of a damaged file into quarantine; reports either. */
    private void handleDamage(Path file, FileChannel channel, RecordScanner.Damage damage, boolean segmentFile)
            throws IOException {
        if (damage.padding()) {
            // the unused, zeroed rest of a preallocated segment: trimmed, nothing to report
        } else if (damage.tornTail()) {
            recoveryEvents.add(report(new RecoveryEvent(file, damage.offset(), damage.bytes(), "cut off torn tail",
                    damage.reason())));
        } else {
            Path quarantined = quarantineDirectory().resolve(file.getFileName() + "-at-" + damage.offset() + ".bin");
            try (FileChannel out = FileChannel.open(quarantined, CREATE, TRUNCATE_EXISTING, WRITE)) {
                long copied = 0;
                while (copied < damage.bytes()) {
                    copied += channel.transferTo(damage.offset() + copied, damage.bytes() - copied, out);
                }
                out.force(true);
            }
            WalFiles.forceDirectory(quarantineDirectory());
            recoveryEvents.add(report(new RecoveryEvent(file, damage.offset(), damage.bytes(),
                    "moved to quarantine as " + quarantined, damage.reason()
                            + (segmentFile ? "; recovery goes on with the next segment" : ""))));
        }
        channel.truncate(damage.offset());
        channel.force(true);
    }

    private void quarantineWholeFile(Path file, String reason) throws IOException {
        long size = Files.size(file);
        Path quarantined = quarantineDirectory().resolve(file.getFileName().toString());
        Files.move(file, quarantined, StandardCopyOption.REPLACE_EXISTING);
        WalFiles.forceDirectory(quarantineDirectory());
        recoveryEvents.add(report(new RecoveryEvent(file, 0, size, "moved whole file to quarantine as " + quarantined, reason)));
    }

    private Path quarantineDirectory() throws IOException {
        return Files.createDirectories(directory.resolve("quarantine"));
    }

    private static RecoveryEvent report(RecoveryEvent event) {
        AUDIT.warn("write-ahead log recovery: {}", event);
        return event;
    }

    // ---------------------------------------------------------------- closing

    @Override
    public void close() throws WriteAheadLogException {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            unlockWrite();
        }
        background.shutdownNow();
        try {
            background.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WriteAheadLogException error = null;
        synchronized (checkpointMonitor) {
            writeLock.lock();
            try {
                flushUnflushed();
                if (failure == null && options.sync() != SyncPolicy.NEVER) {
                    reopenSegmentIfClosed();
                    segment.force(false);
                    markForced(writtenTotal);
                }
            } catch (IOException | WriteAheadLogException e) {
                error = new WriteAheadLogException("cannot force " + segmentPath(segmentNumber) + " on close: " + e, e);
            } finally {
                closeQuietly(segment);
                unlockWrite();
            }
            wakeForceWaiters();
            deleteQuietly(spare);
            releaseQuietly();
        }
        LOG.info("write-ahead log in {} closed at sequence {}", directory, lastSequence);
        if (error != null) {
            throw error;
        }
    }

    private void releaseQuietly() {
        readers.values().forEach(FileWriteAheadLog::closeQuietly);
        readers.clear();
        Snapshot current = snapshot;
        if (current != null) {
            current.close();
        }
        try {
            if (lock != null) {
                lock.release();
            }
        } catch (IOException e) {
            LOG.debug("releasing the lock of {}", directory, e);
        }
        closeQuietly(lockChannel);
    }

    private Path segmentPath(long number) {
        return directory.resolve(WalFiles.segmentName(number));
    }

    private static void closeQuietly(Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.debug("closing {}", closeable, e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("deleting {}", file, e);
        }
    }
}
