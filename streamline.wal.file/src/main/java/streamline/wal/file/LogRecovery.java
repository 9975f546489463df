package streamline.wal.file;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;

/**
 * Reads a log directory back after a stop or a crash: the newest snapshot and the segments after it,
 * filling the live index. It cuts off a torn tail, moves the rest of a file with corruption in the
 * middle into {@code quarantine/}, deletes what an interrupted checkpoint or preallocation left, and
 * reports each finding, also to the audit logger.
 */
final class LogRecovery {

    /** Recovery findings and quarantined data: audit-worthy, under their own logger name. */
    private static final Logger AUDIT = LogManager.getLogger("streamline.audit.wal");

    /** What recovery found: the snapshot (or null), the segments after it, the last sequence, the findings. */
    record RecoveredLog(Snapshot snapshot, List<Long> segments, long lastSequence, List<RecoveryEvent> events) {
    }

    private final Path directory;
    private final FileOpener opener;
    private final LiveIndex live;
    private final List<RecoveryEvent> events = new ArrayList<>();
    private final TreeSet<Long> segments = new TreeSet<>();
    private long lastSequence;

    private LogRecovery(Path directory, FileOpener opener, LiveIndex live) {
        this.directory = directory;
        this.opener = opener;
        this.live = live;
    }

    /** Recovers the log in {@code directory} into {@code live}, which must be empty. */
    static RecoveredLog recover(Path directory, FileOpener opener, LiveIndex live) throws IOException {
        return new LogRecovery(directory, opener, live).run();
    }

    private RecoveredLog run() throws IOException {
        Map<Long, Path> segmentFiles = new TreeMap<>();
        TreeMap<Long, Path> snapshotFiles = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".tmp") || name.equals(SpareSegment.FILE_NAME)) {
                    Files.delete(file); // a checkpoint or a preallocation that never finished
                } else if (WalFiles.segmentNumber(name) >= 0) {
                    segmentFiles.put(WalFiles.segmentNumber(name), file);
                } else if (WalFiles.snapshotNumber(name) >= 0) {
                    snapshotFiles.put(WalFiles.snapshotNumber(name), file);
                }
            }
        }
        Snapshot snapshot = null;
        if (!snapshotFiles.isEmpty()) {
            long newest = snapshotFiles.lastKey();
            for (Map.Entry<Long, Path> older : snapshotFiles.headMap(newest).entrySet()) {
                Files.delete(older.getValue()); // replaced by the newest, deletion interrupted
            }
            snapshot = recoverSnapshot(newest, snapshotFiles.get(newest));
        }
        long boundary = snapshot == null ? 0 : snapshot.boundary();
        try {
            for (Map.Entry<Long, Path> e : segmentFiles.entrySet()) {
                if (e.getKey() <= boundary) {
                    Files.delete(e.getValue()); // covered by the snapshot, deletion interrupted
                } else {
                    recoverSegment(e.getKey(), e.getValue());
                }
            }
            if (!events.isEmpty()) {
                WalFiles.forceDirectory(directory);
            }
        } catch (IOException | RuntimeException e) {
            if (snapshot != null) {
                snapshot.close();
            }
            throw e;
        }
        return new RecoveredLog(snapshot, List.copyOf(segments), lastSequence, List.copyOf(events));
    }

    /** The snapshot, or null if it was unreadable and quarantined (the sessions it held are lost, and reported). */
    private Snapshot recoverSnapshot(long boundary, Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, READ, WRITE);
        WalFiles.Header header;
        try {
            header = WalFiles.readHeader(channel, file, WalFiles.SNAPSHOT_MAGIC);
        } catch (WalFiles.UnsupportedVersionException e) {
            WalFiles.closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            WalFiles.closeQuietly(channel);
            quarantineWholeFile(file, e.getMessage());
            AUDIT.error("the snapshot {} is unreadable and was quarantined: sessions it held are lost", file);
            return null;
        }
        if (header == null) {
            WalFiles.closeQuietly(channel);
            throw new IOException(file + " is shorter than its header, yet snapshots are only renamed into place once forced");
        }
        lastSequence = Math.max(lastSequence, header.lastSequence());
        // a first guess of the record count, so neither the offsets nor the index grow step by step
        int expected = (int) Math.min(1 << 24, channel.size() / 256);
        SortedSequences offsets = new SortedSequences(expected);
        SnapshotSessions.Builder sessions = new SnapshotSessions.Builder(expected);
        List<LogEntry> decoded;
        try (channel; SnapshotDecoding decoding = new SnapshotDecoding(file, expected)) {
            RecordScanner.Damage damage = RecordScanner.scan(channel, WalFiles.FILE_HEADER_SIZE, channel.size(),
                    (sequence, offset, payload) -> {
                        offsets.add(sequence, offset);
                        sessions.add(EntryCodec.sessionHigh(payload), EntryCodec.sessionLow(payload), sequence);
                        lastSequence = Math.max(lastSequence, sequence);
                        decoding.add(sequence, payload);
                    });
            decoded = decoding.entries();
            live.recovered(sessions.build());
            if (damage != null) {
                handleDamage(file, channel, damage, false);
            }
        }
        Snapshot snapshot = new Snapshot(boundary, file, FileChannel.open(file, READ), offsets.seal());
        snapshot.keepRecoveredEntries(decoded);
        return snapshot;
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
                report(new RecoveryEvent(file, 0, size, "deleted", "a segment whose creation did not finish (shorter than its header)"));
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

    /**
     * Cuts a torn tail off, or moves the rest of a damaged file into quarantine; reports either. A torn tail
     * is copied to quarantine too before it is cut: what is taken for one is never destroyed.
     */
    private void handleDamage(Path file, FileChannel channel, RecordScanner.Damage damage, boolean segmentFile)
            throws IOException {
        if (damage.padding()) {
            // the unused, zeroed rest of a preallocated segment: trimmed, nothing to report
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
            if (damage.tornTail()) {
                report(new RecoveryEvent(file, damage.offset(), damage.bytes(), "cut off torn tail",
                        damage.reason() + "; the cut bytes are kept in quarantine as " + quarantined));
            } else {
                report(new RecoveryEvent(file, damage.offset(), damage.bytes(), "moved to quarantine as " + quarantined,
                        damage.reason() + (segmentFile ? "; recovery goes on with the next segment" : "")));
            }
        }
        channel.truncate(damage.offset());
        channel.force(true);
    }

    private void quarantineWholeFile(Path file, String reason) throws IOException {
        long size = Files.size(file);
        Path quarantined = quarantineDirectory().resolve(file.getFileName().toString());
        Files.move(file, quarantined, StandardCopyOption.REPLACE_EXISTING);
        WalFiles.forceDirectory(quarantineDirectory());
        report(new RecoveryEvent(file, 0, size, "moved whole file to quarantine as " + quarantined, reason));
    }

    private Path quarantineDirectory() throws IOException {
        return Files.createDirectories(directory.resolve("quarantine"));
    }

    private void report(RecoveryEvent event) {
        AUDIT.warn("write-ahead log recovery: {}", event);
        events.add(event);
    }
}
