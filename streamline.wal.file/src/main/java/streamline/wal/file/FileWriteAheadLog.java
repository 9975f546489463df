package streamline.wal.file;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LiveSteps;
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
final class FileWriteAheadLog implements WriteAheadLog, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(FileWriteAheadLog.class);
    /** Recovery findings and quarantined data: audit-worthy, under their own logger name. */
    private static final Logger AUDIT = LogManager.getLogger("streamline.audit.wal");

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
        private final SequenceOffsets offsets;
        private FileChannel channel;

        Snapshot(long boundary, Path file, FileChannel channel, SequenceOffsets offsets) {
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

        SequenceOffsets offsets() {
            return offsets;
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

    // group commit, guarded by syncMonitor
    private final Object syncMonitor = new Object();
    private long forcedTotal;
    private boolean forcing;

    private volatile WriteAheadLogException failure;
    private volatile boolean closed;

    // files, guarded by filesLock: readers share it, a checkpoint installing its snapshot takes it alone
    private final ReentrantReadWriteLock filesLock = new ReentrantReadWriteLock();
    private final ConcurrentSkipListSet<Long> segments = new ConcurrentSkipListSet<>();
    private final ConcurrentHashMap<Long, FileChannel> readers = new ConcurrentHashMap<>();
    private volatile Snapshot snapshot;

    private final LiveIndex live = new LiveIndex();
    private final Object checkpointMonitor = new Object();
    private final AtomicBoolean checkpointQueued = new AtomicBoolean();
    private final ScheduledExecutorService background;

    FileWriteAheadLog(WalOptions options) throws WriteAheadLogException {
        this(options, FileOpener.DEFAULT);
    }

    FileWriteAheadLog(WalOptions options, FileOpener opener) throws WriteAheadLogException {
        this.options = options;
        this.opener = opener;
        this.directory = options.directory().toAbsolutePath();
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
        if (options.sync() == SyncPolicy.INTERVAL) {
            long ms = options.syncInterval().toMillis();
            background.scheduleWithFixedDelay(this::forceInBackground, ms, ms, TimeUnit.MILLISECONDS);
        }
        if (!options.checkpointInterval().isZero()) {
            long ms = options.checkpointInterval().toMillis();
            background.scheduleWithFixedDelay(this::checkpointInBackground, ms, ms, TimeUnit.MILLISECONDS);
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

    private long write(List<LogEntry> entries) throws WriteAheadLogException {
        byte[][] payloads = new byte[entries.size()][];
        int total = 0;
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = EntryCodec.encode(entries.get(i));
            total += WalFiles.RECORD_HEADER_SIZE + payloads[i].length;
        }
        long endTotal;
        long sequence;
        boolean checkpointDue;
        writeLock.lock();
        try {
            checkUsable();
            reopenSegmentIfClosed();
            if (rollBeforeNextWrite || segmentPosition >= options.segmentBytes()) {
                roll();
            }
            ByteBuffer buffer = writeBuffer(total);
            long start = segmentPosition;
            long firstSequence = lastSequence + 1;
            for (int i = 0; i < payloads.length; i++) {
                ByteBuffer payload = ByteBuffer.wrap(payloads[i]);
                long seq = firstSequence + i;
                buffer.putInt(payloads[i].length).putInt(WalFiles.recordCrc(payloads[i].length, seq, payload))
                        .putLong(seq).put(payloads[i]);
            }
            buffer.flip();
            boolean interrupted = Thread.interrupted();
            try {
                long at = start;
                while (buffer.hasRemaining()) {
                    at += segment.write(buffer, at);
                }
            } catch (IOException e) {
                lastSequence = firstSequence + payloads.length - 1; // never reuse a number that may be on disk
                discardPartialWrite(start);
                throw new WriteAheadLogException("cannot append to " + segmentPath(segmentNumber) + " at offset "
                        + start + ": " + e, e);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            long offset = start;
            for (int i = 0; i < payloads.length; i++) {
                LogEntry entry = entries.get(i);
                if (entry.kind() == LogEntry.Kind.SESSION_FINISHED) {
                    live.finish(entry.sessionId());
                } else {
                    live.add(entry.sessionId(), firstSequence + i, (int) segmentNumber, offset);
                }
                offset += WalFiles.RECORD_HEADER_SIZE + payloads[i].length;
            }
            lastSequence = firstSequence + payloads.length - 1;
            sequence = lastSequence;
            segmentPosition += total;
            writtenTotal += total;
            bytesSinceCheckpoint += total;
            endTotal = writtenTotal;
            checkpointDue = options.checkpointBytes() > 0 && bytesSinceCheckpoint >= options.checkpointBytes();
        } finally {
            writeLock.unlock();
        }
        if (options.sync() == SyncPolicy.ALWAYS) {
            awaitForced(endTotal);
        }
        if (checkpointDue && checkpointQueued.compareAndSet(false, true)) {
            background.execute(this::checkpointInBackground);
        }
        return sequence;
    }

    private ByteBuffer writeBuffer(int size) {
        if (writeBuffer.capacity() < size) {
            writeBuffer = ByteBuffer.allocateDirect(Math.max(size, writeBuffer.capacity() * 2));
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
     * waiter that finds no force running forces for everyone written so far.
     */
    private void awaitForced(long target) throws WriteAheadLogException {
        boolean interrupted = false;
        try {
            while (true) {
                synchronized (syncMonitor) {
                    while (forcedTotal < target && forcing && failure == null) {
                        try {
                            syncMonitor.wait();
                        } catch (InterruptedException e) {
                            // the bytes are written; giving up now would break the durability promise
                            interrupted = true;
                        }
                    }
                    if (forcedTotal >= target) {
                        return;
                    }
                    checkUsable();
                    forcing = true;
                }
                forceAsLeader();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void forceAsLeader() {
        long upTo;
        FileChannel channel;
        long number;
        writeLock.lock();
        try {
            upTo = writtenTotal;
            channel = segment;
            number = segmentNumber;
        } finally {
            writeLock.unlock();
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
        synchronized (syncMonitor) {
            forcing = false;
            if (error != null) {
                failure = new WriteAheadLogException("cannot force " + segmentPath(number) + " to disk: " + error, error);
                LOG.error("write-ahead log in {} failed to force its segment; it refuses appends from now on", directory, error);
            } else if (counted) {
                forcedTotal = Math.max(forcedTotal, upTo);
            }
            syncMonitor.notifyAll();
        }
    }

    /**
     * The channel was closed under a force: by a roll (which forced it first), by close, or by an
     * interrupt. In the last case the written bytes are forced through a new channel.
     *
     * @return whether the bytes up to the captured position are now forced
     */
    private boolean forceClosedSegment(long number) {
        writeLock.lock();
        try {
            if (closed || number != segmentNumber) {
                return false; // close or roll counted the bytes already, or will fail the waiters
            }
            reopenSegmentIfClosed();
            segment.force(false);
            return true;
        } catch (IOException | WriteAheadLogException e) {
            synchronized (syncMonitor) {
                failure = new WriteAheadLogException("cannot force " + segmentPath(number) + " to disk: " + e, e);
            }
            return false;
        } finally {
            writeLock.unlock();
        }
    }

    private void forceInBackground() {
        long target;
        writeLock.lock();
        try {
            target = writtenTotal;
        } finally {
            writeLock.unlock();
        }
        try {
            awaitForced(target);
        } catch (WriteAheadLogException e) {
            LOG.debug("interval force skipped: {}", e.getMessage());
        }
    }

    /** Starts the next segment; the caller holds the write lock. */
    private void roll() throws WriteAheadLogException {
        FileChannel old = segment;
        try {
            if (options.sync() != SyncPolicy.NEVER) {
                old.force(false);
                synchronized (syncMonitor) {
                    forcedTotal = Math.max(forcedTotal, writtenTotal);
                    syncMonitor.notifyAll();
                }
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
        FileChannel channel = opener.open(file, CREATE_NEW, READ, WRITE);
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
        segments.add(number);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<LogEntry> entries() throws WriteAheadLogException {
        long activeSegment;
        long activeEnd;
        writeLock.lock();
        try {
            checkOpen();
            activeSegment = segmentNumber;
            activeEnd = segmentPosition;
        } finally {
            writeLock.unlock();
        }
        List<LogEntry> entries = new ArrayList<>();
        filesLock.readLock().lock();
        try {
            Snapshot current = snapshot;
            if (current != null) {
                readAll(current.file(), current.channel(), current.channel().size(), entries);
            }
            for (long number : segments) {
                if (number > activeSegment) {
                    break;
                }
                FileChannel channel = reader(number);
                readAll(segmentPath(number), channel, number == activeSegment ? activeEnd : channel.size(), entries);
            }
        } catch (IOException e) {
            throw new WriteAheadLogException("cannot read write-ahead log in " + directory + ": " + e.getMessage(), e);
        } finally {
            filesLock.readLock().unlock();
        }
        entries.sort(Comparator.comparingLong(LogEntry::sequence));
        return entries;
    }

    private static void readAll(Path file, FileChannel channel, long end, List<LogEntry> into) throws IOException {
        RecordScanner.Damage damage = RecordScanner.scan(channel, WalFiles.FILE_HEADER_SIZE, end,
                (sequence, offset, payload) -> into.add(EntryCodec.decode(sequence, payload)));
        if (damage != null) {
            throw new IOException(file + " at offset " + damage.offset() + ": " + damage.reason());
        }
    }

    @Override
    public List<LogEntry> liveEntries() throws WriteAheadLogException {
        checkOpen();
        List<long[]> locations = new ArrayList<>();
        live.forEachRecord(Long.MAX_VALUE, (sequence, segmentId, offset) -> locations.add(new long[] {sequence, segmentId, offset}));
        List<LogEntry> entries = new ArrayList<>(locations.size());
        filesLock.readLock().lock();
        try {
            for (long[] location : locations) {
                ByteBuffer record = readRecord(location[0], (int) location[1], location[2]);
                record.position(WalFiles.RECORD_HEADER_SIZE);
                entries.add(EntryCodec.decode(location[0], record.slice()));
            }
        } catch (IOException e) {
            throw new WriteAheadLogException("cannot read live entries of the write-ahead log in " + directory + ": "
                    + e.getMessage(), e);
        } finally {
            filesLock.readLock().unlock();
        }
        entries.sort(Comparator.comparingLong(LogEntry::sequence));
        // a session may have finished between indexing and reading; the index never holds finish records
        return LiveSteps.liveEntries(entries);
    }

    @Override
    public List<LogEntry> unfinishedSteps() throws WriteAheadLogException {
        return LiveSteps.unfinishedSteps(liveEntries());
    }

    /** A whole record (header and payload), checked against its checksum. The caller holds the files read lock. */
    private ByteBuffer readRecord(long sequence, int segmentId, long offset) throws IOException {
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
        ByteBuffer header = ByteBuffer.allocate(WalFiles.RECORD_HEADER_SIZE);
        readFully(channel, header, at);
        int length = header.getInt(0);
        if (length < 1 || length > WalFiles.MAX_PAYLOAD || header.getLong(8) != sequence) {
            throw new IOException(file + " at offset " + at + ": expected record " + sequence);
        }
        ByteBuffer record = ByteBuffer.allocate(WalFiles.RECORD_HEADER_SIZE + length);
        record.put(header.flip());
        readFully(channel, record, at + WalFiles.RECORD_HEADER_SIZE);
        ByteBuffer payload = record.duplicate().position(WalFiles.RECORD_HEADER_SIZE).slice();
        if (WalFiles.recordCrc(length, sequence, payload) != record.getInt(4)) {
            throw new IOException(file + " at offset " + at + ": checksum mismatch in record " + sequence);
        }
        return record.clear();
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
            LOG.error("checkpoint of the write-ahead log in {} failed; the segments stay until the next one", directory, e);
        }
    }

    private long bytesSinceCheckpointSnapshot() {
        writeLock.lock();
        try {
            return bytesSinceCheckpoint;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Writes the live records of every segment before the current one into a new snapshot and
     * deletes the files it replaces. Appenders wait only for the roll to a new segment.
     */
    void checkpoint() throws WriteAheadLogException {
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
                writeLock.unlock();
            }
            Path file = directory.resolve(WalFiles.snapshotName(boundary));
            Path temporary = directory.resolve(WalFiles.snapshotName(boundary) + ".tmp");
            SequenceOffsets offsets;
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

    private SequenceOffsets writeSnapshot(FileChannel out, long boundary, long boundarySequence) throws IOException {
        long[][] found = {new long[1024], new long[1024], new long[1024]};
        int[] count = {0};
        live.forEachRecord(boundarySequence, (sequence, segmentId, offset) -> {
            int n = count[0];
            if (n == found[0].length) {
                for (int k = 0; k < 3; k++) {
                    found[k] = Arrays.copyOf(found[k], n * 2);
                }
            }
            found[0][n] = sequence;
            found[1][n] = segmentId;
            found[2][n] = offset;
            count[0] = n + 1;
        });
        SequenceOffsets offsets = new SequenceOffsets(count[0]);
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        buffer.put(WalFiles.header(WalFiles.SNAPSHOT_MAGIC, boundary, boundarySequence));
        long position = 0;
        for (int i = 0; i < count[0]; i++) {
            if (closed) {
                throw new IOException("log closed during the checkpoint");
            }
            ByteBuffer record = readRecord(found[0][i], (int) found[1][i], found[2][i]);
            if (buffer.remaining() < record.remaining()) {
                position = flush(out, buffer, position);
                if (buffer.capacity() < record.remaining()) {
                    buffer = ByteBuffer.allocate(record.remaining());
                }
            }
            offsets.put(found[0][i], position + buffer.position());
            buffer.put(record);
        }
        flush(out, buffer, position);
        return offsets;
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
                if (name.endsWith(".tmp")) {
                    Files.delete(file); // a checkpoint that never finished
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
        SequenceOffsets offsets = new SequenceOffsets((int) Math.min(1 << 20, channel.size() / 64));
        RecordScanner.Damage damage = RecordScanner.scan(channel, WalFiles.FILE_HEADER_SIZE, channel.size(),
                (sequence, offset, payload) -> {
                    offsets.put(sequence, offset);
                    live.add(EntryCodec.sessionId(payload), sequence, 0, offset);
                    lastSequence = Math.max(lastSequence, sequence);
                });
        if (damage != null) {
            handleDamage(file, channel, damage, false);
        }
        channel.close();
        snapshot = new Snapshot(boundary, file, FileChannel.open(file, READ), offsets);
        return boundary;
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
                        if (EntryCodec.kind(payload) == LogEntry.Kind.SESSION_FINISHED) {
                            live.finish(EntryCodec.sessionId(payload));
                        } else {
                            live.add(EntryCodec.sessionId(payload), sequence, (int) number, offset);
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
        if (damage.tornTail()) {
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
            writeLock.unlock();
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
                if (failure == null && options.sync() != SyncPolicy.NEVER) {
                    reopenSegmentIfClosed();
                    segment.force(false);
                    synchronized (syncMonitor) {
                        forcedTotal = writtenTotal;
                    }
                }
            } catch (IOException | WriteAheadLogException e) {
                error = new WriteAheadLogException("cannot force " + segmentPath(segmentNumber) + " on close: " + e, e);
            } finally {
                closeQuietly(segment);
                writeLock.unlock();
            }
            synchronized (syncMonitor) {
                syncMonitor.notifyAll();
            }
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

    private static void closeQuietly(java.io.Closeable closeable) {
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
