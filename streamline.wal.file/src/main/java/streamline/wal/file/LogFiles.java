package streamline.wal.file;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

/**
 * The log's files as readers see them: the segments, the installed snapshot, a read channel per
 * segment, and the bulk read over all of them. Readers share the files lock; installing a snapshot
 * (and retiring the files it replaces) takes it alone, so no read sees a file deleted under it.
 */
final class LogFiles {

    private static final Logger LOG = LogManager.getLogger(LogFiles.class);
    /** Reads of more live records than this decode on every core. */
    static final int PARALLEL_DECODE_THRESHOLD = 20_000;

    /** Where a record is: its file, a read channel on it, and its offset there. */
    record Location(Path file, FileChannel channel, long offset) {
    }

    private final Path directory;
    private final FileOpener opener;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final ConcurrentSkipListSet<Long> segments = new ConcurrentSkipListSet<>();
    private final ConcurrentHashMap<Long, FileChannel> readers = new ConcurrentHashMap<>();
    /** Where the good records of segments written and left by this log end (a failed write's bytes may follow). */
    private final ConcurrentHashMap<Long, Long> sealedEnds = new ConcurrentHashMap<>();
    private volatile Snapshot snapshot;

    LogFiles(Path directory, FileOpener opener) {
        this.directory = directory;
        this.opener = opener;
    }

    /** Takes over what recovery found; before the log is used. */
    void recovered(Snapshot recoveredSnapshot, Collection<Long> recoveredSegments) {
        snapshot = recoveredSnapshot;
        segments.addAll(recoveredSegments);
    }

    Path segmentPath(long number) {
        return directory.resolve(WalFiles.segmentName(number));
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** The highest segment number in use, by a segment or by the snapshot; 0 for a new log. */
    long lastNumber() {
        Snapshot current = snapshot;
        return Math.max(segments.isEmpty() ? 0 : segments.last(), current == null ? 0 : current.boundary());
    }

    /** Held while a checkpoint copies records out of the files: installing a snapshot waits for it. */
    Lock sharedLock() {
        return lock.readLock();
    }

    /**
     * Creates segment {@code number} with its header, from the spare if one is ready, and forces it
     * (and the directory) unless {@code force} is false. Never opens an existing file as a new segment.
     */
    FileChannel createSegment(long number, SpareSegment spare, boolean force) throws IOException {
        Path file = segmentPath(number);
        boolean fromSpare = spare.takeAs(file);
        FileChannel channel;
        try {
            channel = fromSpare ? opener.open(file, READ, WRITE) : opener.open(file, CREATE_NEW, READ, WRITE);
        } catch (IOException | RuntimeException | Error e) {
            if (fromSpare) {
                Files.deleteIfExists(file); // left, it would make every later roll to this number fail
            }
            throw e;
        }
        try {
            ByteBuffer header = WalFiles.header(WalFiles.SEGMENT_MAGIC, number, 0);
            while (header.hasRemaining()) {
                channel.write(header, header.position());
            }
            if (force) {
                channel.force(true);
                WalFiles.forceDirectory(directory);
            }
        } catch (IOException e) {
            WalFiles.closeQuietly(channel);
            Files.deleteIfExists(file);
            throw e;
        }
        segments.add(number);
        return channel;
    }

    /** Segment {@code number} is written no further; its good records end at {@code end}. */
    void sealed(long number, long end) {
        sealedEnds.put(number, end);
    }

    /** Where a live record is: in the snapshot if it covers the record's segment, else in the segment. */
    Location locate(long sequence, int segmentId, long offset) throws IOException {
        Snapshot current = snapshot;
        if (current != null && segmentId <= current.boundary()) {
            long at = current.offsets().get(sequence);
            if (at < 0) {
                throw new IOException("record " + sequence + " is missing from snapshot " + current.file());
            }
            return new Location(current.file(), current.channel(), at);
        }
        return new Location(segmentPath(segmentId), reader(segmentId), offset);
    }

    /**
     * Reads the snapshot and the segments in order, decoding the records {@code wanted} contains (all
     * of them if it is null). Sequential reads: far faster than fetching records one by one.
     *
     * @param takeRecovered whether to take the snapshot's entries that recovery decoded, if still held,
     *        instead of reading the snapshot again
     * @param activeSegment the segment being written, read up to {@code activeEnd}; later ones are not read
     */
    List<LogEntry> read(SortedSequences wanted, boolean takeRecovered, long activeSegment, long activeEnd)
            throws WriteAheadLogException {
        List<LogEntry> entries = new ArrayList<>(wanted == null ? 1024 : wanted.size());
        boolean interrupted = Thread.interrupted();
        int cores = Runtime.getRuntime().availableProcessors();
        // a bulk read (recovery, a swap) decodes on every core; small reads stay on this thread
        boolean parallel = cores > 1 && (wanted == null ? segments.size() > 1 || snapshot != null
                : wanted.size() > PARALLEL_DECODE_THRESHOLD);
        lock.readLock().lock();
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
                long end = number == activeSegment ? activeEnd : sealedEnds.getOrDefault(number, channel.size());
                readAll(segmentPath(number), channel, end, visitor);
            }
            if (decoder != null) {
                decoder.drainInto(entries);
            }
        } catch (IOException | ExecutionException | IllegalArgumentException e) {
            // IllegalArgumentException: a record whose checksum matched but which is no entry of this format
            throw new WriteAheadLogException("cannot read write-ahead log in " + directory + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            interrupted = true;
            throw new WriteAheadLogException("interrupted while reading the write-ahead log in " + directory, e);
        } finally {
            lock.readLock().unlock();
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

    /**
     * Installs a forced, renamed snapshot and deletes the snapshot and segments it replaces; a file
     * that cannot be deleted is left for recovery.
     *
     * @return how many segments it replaced
     */
    int install(Snapshot next) {
        Snapshot replaced;
        List<Long> obsolete = new ArrayList<>();
        lock.writeLock().lock();
        try {
            replaced = snapshot;
            snapshot = next;
            for (long number : segments.headSet(next.boundary(), true)) {
                obsolete.add(number);
                segments.remove(number);
                sealedEnds.remove(number);
                WalFiles.closeQuietly(readers.remove(number));
            }
        } finally {
            lock.writeLock().unlock();
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
        return obsolete.size();
    }

    void close() {
        readers.values().forEach(WalFiles::closeQuietly);
        readers.clear();
        Snapshot current = snapshot;
        if (current != null) {
            current.close();
        }
    }
}
