package streamline.wal.file;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * A write-ahead log in segment files with checksummed records, group commit, and checkpoints that
 * keep only the live records. See {@link WalFiles} for the format. This class locks the directory,
 * recovers it ({@link LogRecovery}), wires the parts, runs their background tasks, and closes them in
 * order; the parts keep the promises:
 * <ul>
 * <li>{@link AppendQueue} and {@link SegmentWriter}: appends are encoded outside the lock and written
 * under it, many in one system call; a failed write truncates the partial record away (or rolls), so
 * no half record is ever followed by good ones.</li>
 * <li>{@link GroupCommit} (policy {@code always}): one waiting appender forces for all whose bytes
 * were written by then. A failed force makes the log refuse every later append ({@link LogHealth}):
 * after a failed fsync the file's state is unknown.</li>
 * <li>{@link LiveIndex}: the heap holds only where each live record is; reads fetch records from
 * disk ({@link LogFiles}).</li>
 * <li>{@link Checkpointer}: a checkpoint rolls to a new segment (appenders wait only for that), copies
 * the live records of the older files into a new snapshot, forces it, renames it into place, and only
 * then deletes the files it replaces. {@link SpareSegment}: the next segment is preallocated.</li>
 * </ul>
 *
 * <h2>Lock order</h2>
 * A thread holding one of these takes only those after it, never one before:
 * <ol>
 * <li>the checkpointer's monitor: one checkpoint at a time; close takes it to wait for a running one;</li>
 * <li>group-commit leadership ({@code forcing}): the leader takes the write lock only to capture what
 * to force, and forces without it;</li>
 * <li>the write lock ({@link AppendQueue}): appends, rolls, flushes, and every read of the writer's
 * position;</li>
 * <li>the files lock ({@link LogFiles}): shared by readers and the checkpoint's copy, taken alone to
 * install a snapshot; nobody holding it takes the write lock;</li>
 * <li>innermost, holding nothing else while held: a {@link Snapshot}'s monitor and the
 * {@link LiveIndex} shards'.</li>
 * </ol>
 * The spare's readiness is a volatile flag and a compare-and-set; it is taken under the write lock.
 */
public final class FileWriteAheadLog implements WriteAheadLog, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(FileWriteAheadLog.class);

    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final LogHealth health;
    private final LiveIndex live = new LiveIndex();
    private final LogFiles files;
    private final SpareSegment spare;
    private final SegmentWriter writer;
    private final Checkpointer checkpointer;
    private final List<RecoveryEvent> recoveryEvents;
    private final ScheduledExecutorService background;
    /** Turns of the periodic tasks ended so far: tests wait for some to pass instead of sleeping. */
    private final AtomicLong periodicTurnsEnded = new AtomicLong();

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

    /**
     * As {@link #open(Path, String)}, with the interval at which {@code interval} forces (and {@code never} hands
     * its buffer to the OS).
     */
    public static FileWriteAheadLog open(Path directory, String sync, Duration syncInterval) throws WriteAheadLogException {
        WalOptions defaults = WalOptions.defaults(directory);
        return new FileWriteAheadLog(new WalOptions(defaults.directory(), SyncPolicy.parse(sync), syncInterval,
                defaults.segmentBytes(), defaults.checkpointBytes(), defaults.checkpointInterval()));
    }

    FileWriteAheadLog(WalOptions options, FileOpener opener) throws WriteAheadLogException {
        this.directory = options.directory().toAbsolutePath();
        this.health = new LogHealth(directory);
        this.files = new LogFiles(directory, opener);
        this.spare = new SpareSegment(directory, options.segmentBytes(), health);
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve("wal.lock"), CREATE, WRITE);
        } catch (IOException e) {
            throw new WriteAheadLogException("cannot open write-ahead log directory " + directory + ": " + e, e);
        }
        lock = tryLock();
        // from here on, every failure releases the directory: a log that failed to open must not block the next attempt
        background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streamline-wal-file " + directory.getFileName());
            t.setDaemon(true);
            return t;
        });
        SegmentWriter opened = null;
        try {
            LogRecovery.RecoveredLog recovered = LogRecovery.recover(directory, opener, live);
            files.recovered(recovered.snapshot(), recovered.segments());
            recoveryEvents = recovered.events();
            opened = new SegmentWriter(options, opener, files, live, health, spare, background, recovered.lastSequence());
            writer = opened;
            checkpointer = new Checkpointer(directory, opener, files, live, health, writer);
            schedule(options);
        } catch (Throwable e) {
            health.markClosed();
            background.shutdownNow();
            if (opened != null) {
                opened.abandon();
            }
            spare.delete();
            releaseQuietly();
            if (e instanceof Error error) {
                throw error;
            }
            throw new WriteAheadLogException("cannot open write-ahead log in " + directory + ": " + e.getMessage(), e);
        }
        LOG.info("write-ahead log open in {}: sync {}, {} live sessions, last sequence {}", directory,
                options.sync(), live.sessionCount(), writer.lastSequence());
    }

    private void schedule(WalOptions options) {
        long tick = options.syncInterval().toMillis();
        if (options.sync() == SyncPolicy.INTERVAL) {
            GroupCommit groupCommit = writer.groupCommit();
            background.scheduleWithFixedDelay(() -> repeatedly("interval force", groupCommit::forceInBackground),
                    tick, tick, TimeUnit.MILLISECONDS);
        } else if (options.sync() == SyncPolicy.NEVER) {
            background.scheduleWithFixedDelay(() -> repeatedly("interval flush", writer::flushInBackground),
                    tick, tick, TimeUnit.MILLISECONDS);
        }
        if (!options.checkpointInterval().isZero()) {
            long ms = options.checkpointInterval().toMillis();
            background.scheduleWithFixedDelay(() -> repeatedly("checkpoint", checkpointer::runInBackground),
                    ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs one turn of a periodic task: a task that throws is never run again, so whatever a turn throws is only logged. */
    private void repeatedly(String what, Runnable turn) {
        try {
            turn.run();
        } catch (Throwable e) {
            LOG.error("{} of the write-ahead log in {} failed; it runs again at its next interval", what, directory, e);
        } finally {
            periodicTurnsEnded.incrementAndGet();
        }
    }

    /** The appends waiting for the write lock, and the lock (tests hold it to line appends up; nothing else does). */
    AppendQueue appendQueue() {
        return writer.queue();
    }

    /**
     * How many turns the periodic tasks (interval force or flush, timed checkpoint) have ended, failed ones
     * included (tests wait on it; nothing else reads it).
     */
    long periodicTurnsEnded() {
        return periodicTurnsEnded.get();
    }

    private FileLock tryLock() throws WriteAheadLogException {
        FileLock acquired;
        try {
            acquired = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            acquired = null;
        } catch (IOException e) {
            WalFiles.closeQuietly(lockChannel);
            throw new WriteAheadLogException("cannot lock " + directory.resolve("wal.lock") + ": " + e, e);
        }
        if (acquired == null) {
            WalFiles.closeQuietly(lockChannel);
            throw new WriteAheadLogException("write-ahead log directory " + directory
                    + " is in use by another log (" + directory.resolve("wal.lock") + " is locked)");
        }
        return acquired;
    }

    /** What recovery found and did; empty after a clean shutdown (tests read it; recovery logs each event). */
    List<RecoveryEvent> recoveryEvents() {
        return recoveryEvents;
    }

    /** Whether a preallocated segment is ready for the next roll (tests wait on it; nothing else reads it). */
    boolean spareReady() {
        return spare.ready();
    }

    @Override
    public long append(LogEntry entry) throws WriteAheadLogException {
        return write(List.of(entry), true);
    }

    @Override
    public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("nothing to append");
        }
        return write(entries, true);
    }

    @Override
    public long appendUnforced(List<LogEntry> entries) throws WriteAheadLogException {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("nothing to append");
        }
        return write(entries, false);
    }

    /**
     * Completes once the entry is forced: at once under {@code always} for a forced append, at the next interval force
     * under {@code interval}, at the next forced append, roll or checkpoint for an unforced one; under {@code never},
     * once it is handed to the OS. Fails if the log fails or closes first.
     */
    @Override
    public CompletionStage<Void> whenDurable(long sequence) {
        return writer.groupCommit().whenDurable(sequence);
    }

    /**
     * Forces every entry appended so far, unforced ones included, joining or leading a group commit (under
     * {@code never}, hands them to the OS). A failed force fails the log as a failed force of an append does.
     */
    @Override
    public void force() throws WriteAheadLogException {
        writer.forceAppended();
    }

    private long write(List<LogEntry> entries, boolean forced) throws WriteAheadLogException {
        PendingWrite written = writer.write(entries, forced);
        if (written.checkpointDue) {
            checkpointer.request(background);
        }
        return written.lastSequence;
    }

    @Override
    public List<LogEntry> entries() throws WriteAheadLogException {
        return read(null, false);
    }

    @Override
    public List<LogEntry> liveEntries() throws WriteAheadLogException {
        health.checkOpen();
        if (writer.indexAheadOfFiles()) {
            throw new WriteAheadLogException("write-ahead log in " + directory + " failed and cut appends its failed force did"
                    + " not cover off its last segment; reopen it to read its live entries: " + health.failure().getMessage(),
                    health.failure());
        }
        List<LogEntry> recovered = recoveredIfUnchanged();
        if (recovered != null) {
            return recovered;
        }
        SortedSequences wanted = SortedSequences.set(live.sizeHint());
        live.forEachRecord(Long.MAX_VALUE, (sequence, segmentId, offset) -> wanted.add(sequence, 0));
        // the index holds records of unfinished sessions only, and never a finish record
        return read(wanted.seal(), true);
    }

    /**
     * The snapshot's entries as recovery decoded them, if they are still the live entries: nothing was
     * appended since the log opened (what the engine finds when it reads the log at its start), so no
     * filtering by the index and no sort. Null otherwise, or if they were taken or dropped.
     */
    private List<LogEntry> recoveredIfUnchanged() throws WriteAheadLogException {
        return writer.whileNoAppend(() -> {
            health.checkOpen();
            Snapshot current = files.snapshot();
            return current != null && live.onlyTheSnapshotsRecords() ? current.takeRecoveredEntries() : null;
        });
    }

    private List<LogEntry> read(SortedSequences wanted, boolean takeRecovered) throws WriteAheadLogException {
        SegmentWriter.WrittenEnd end = writer.flushForRead();
        return files.read(wanted, takeRecovered, end.segmentNumber(), end.position());
    }

    /**
     * Writes the live records of every segment before the current one into a new snapshot and
     * deletes the files it replaces. Appenders wait only for the roll to a new segment.
     */
    public void checkpoint() throws WriteAheadLogException {
        checkpointer.checkpoint();
    }

    /**
     * Stops the background tasks, waits for a running checkpoint, writes out and forces what is
     * buffered, and releases the directory.
     *
     * @throws WriteAheadLogException if the last appends could not be forced
     */
    @Override
    public void close() throws WriteAheadLogException {
        if (!writer.markClosed()) {
            return;
        }
        background.shutdownNow();
        try {
            background.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WriteAheadLogException error = checkpointer.excluding(() -> {
            WriteAheadLogException forceError = writer.closeSegment();
            writer.groupCommit().closed(new WriteAheadLogException("write-ahead log in " + directory + " closed before the"
                    + " entry was forced" + (forceError == null ? "" : ": " + forceError.getMessage()), forceError));
            spare.delete();
            releaseQuietly();
            return forceError;
        });
        LOG.info("write-ahead log in {} closed at sequence {}", directory, writer.lastSequence());
        if (error != null) {
            throw error;
        }
    }

    private void releaseQuietly() {
        files.close();
        try {
            lock.release();
        } catch (IOException e) {
            LOG.debug("releasing the lock of {}", directory, e);
        }
        WalFiles.closeQuietly(lockChannel);
    }
}
