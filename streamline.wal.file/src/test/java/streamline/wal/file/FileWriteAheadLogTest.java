package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static streamline.testkit.WriteAheadLogContract.completed;
import static streamline.testkit.WriteAheadLogContract.started;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.Eventually;

class FileWriteAheadLogTest {

    @TempDir
    Path directory;

    private final UUID flow = UUID.randomUUID();

    private LogEntry anyStart() {
        return started(UUID.randomUUID(), flow, UUID.randomUUID(), 0, List.of(UUID.randomUUID(), UUID.randomUUID()));
    }

    private WalOptions unsynced() {
        return WalOptions.defaults(directory).withSync(SyncPolicy.NEVER).withCheckpoints(0, Duration.ZERO);
    }

    private List<Path> files(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }

    private static List<LogEntry> plain(List<LogEntry> entries) {
        return entries.stream().map(e -> e.withSequence(0)).toList();
    }

    @Test
    void codecRoundTripsEveryField() {
        LogEntry entry = started(UUID.randomUUID(), flow, UUID.randomUUID(), 3, List.of(UUID.randomUUID()));
        assertEquals(entry.withSequence(9), EntryCodec.decode(9, ByteBuffer.wrap(EntryCodec.encode(entry))));
        LogEntry finish = LogEntry.sessionFinished(UUID.randomUUID(), flow, "m", "boom");
        ByteBuffer encoded = ByteBuffer.wrap(EntryCodec.encode(finish));
        assertEquals(LogEntry.Kind.SESSION_FINISHED, EntryCodec.kind(encoded));
        assertEquals(finish.sessionId(), EntryCodec.sessionId(encoded));
        assertEquals(finish.withSequence(1), EntryCodec.decode(1, encoded));
        byte[] cut = Arrays.copyOf(EntryCodec.encode(entry), 40);
        assertThrows(IllegalArgumentException.class, () -> EntryCodec.decode(1, ByteBuffer.wrap(cut)));
        // a question mark and a whole emoji are text like any other; half an emoji cannot be written as UTF-8
        LogEntry asked = LogEntry.sessionFinished(UUID.randomUUID(), flow, "why? \uD83D\uDE00", "");
        assertEquals(asked.withSequence(2), EntryCodec.decode(2, ByteBuffer.wrap(EntryCodec.encode(asked))));
        LogEntry half = LogEntry.sessionFinished(UUID.randomUUID(), flow, "why? \uD83D", "");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> EntryCodec.encode(half));
        assertTrue(refused.getMessage().contains("unpaired surrogate (U+D83D at index 5)"), refused.getMessage());
    }

    @Test
    void filesStartWithAVersionedHeader() throws Exception {
        try (FileWriteAheadLog log = open(unsynced())) {
            log.append(anyStart());
        }
        Path segment = files("segment-").get(0);
        try (FileChannel channel = FileChannel.open(segment)) {
            WalFiles.Header header = WalFiles.readHeader(channel, segment, WalFiles.SEGMENT_MAGIC);
            assertEquals(WalFiles.FORMAT_VERSION, header.version());
            assertEquals(1, header.number());
        }
        byte[] original = Files.readAllBytes(segment);
        // a well-formed header of a future format version: refuse to start, touch nothing
        ByteBuffer future = ByteBuffer.allocate(WalFiles.FILE_HEADER_SIZE).putInt(WalFiles.SEGMENT_MAGIC).putInt(99)
                .putLong(1).putLong(0);
        CRC32C crc = new CRC32C();
        crc.update(future.array(), 0, WalFiles.FILE_HEADER_SIZE - 4);
        future.putInt((int) crc.getValue());
        byte[] changed = original.clone();
        System.arraycopy(future.array(), 0, changed, 0, WalFiles.FILE_HEADER_SIZE);
        Files.write(segment, changed);
        WriteAheadLogException e = assertThrows(WriteAheadLogException.class, () -> open(unsynced()));
        assertTrue(e.getMessage().contains("format version 99"), e.getMessage());
        assertTrue(Files.exists(segment), "the newer file is left in place");

        // a corrupt header: the whole file goes to quarantine and the log starts
        changed[2] ^= 1;
        Files.write(segment, changed);
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(List.of(), log.entries());
            assertTrue(log.recoveryEvents().get(0).action().startsWith("moved whole file to quarantine"));
        }
        assertTrue(Files.exists(directory.resolve("quarantine").resolve(segment.getFileName())));
    }

    private FileWriteAheadLog open(WalOptions options) throws WriteAheadLogException {
        return new FileWriteAheadLog(options);
    }

    @Test
    void aTornTailIsCutOffAtEveryByteOfTheLastRecord() throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (FileWriteAheadLog log = open(unsynced())) {
            for (int i = 0; i < 5; i++) {
                LogEntry e = anyStart();
                log.append(e);
                written.add(e);
            }
        }
        Path segment = files("segment-").get(0);
        byte[] full = Files.readAllBytes(segment);
        int lastRecord = WalFiles.RECORD_HEADER_SIZE + EntryCodec.encode(written.get(4)).length;
        int lastStart = full.length - lastRecord;
        for (int cut = lastStart + 1; cut < full.length; cut++) {
            Files.write(segment, Arrays.copyOf(full, cut));
            try (FileWriteAheadLog log = open(unsynced())) {
                assertEquals(written.subList(0, 4), plain(log.entries()), "cut at " + cut);
                List<FileWriteAheadLog.RecoveryEvent> events = log.recoveryEvents();
                assertEquals(1, events.size(), "cut at " + cut + ": " + events);
                assertEquals("cut off torn tail", events.get(0).action());
                assertEquals(lastStart, events.get(0).offset());
                assertEquals(cut - lastStart, events.get(0).bytes());
            }
            assertEquals(lastStart, Files.size(segment), "the torn bytes are gone");
            files("segment-").stream().filter(f -> !f.equals(segment)).forEach(f -> f.toFile().delete());
        }
    }

    /** Zeros after the last record: a preallocated segment's unused rest, or blocks a crash left unwritten. */
    @Test
    void zerosAfterTheLastRecordAreTrimmedAsPadding() throws Exception {
        try (FileWriteAheadLog log = open(unsynced())) {
            log.append(anyStart());
        }
        Path segment = files("segment-").get(0);
        long size = Files.size(segment);
        Files.write(segment, new byte[4096], StandardOpenOption.APPEND);
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(1, log.entries().size());
            assertEquals(List.of(), log.recoveryEvents(), "padding is not damage");
        }
        assertEquals(size, Files.size(segment));
    }

    @Test
    void aCheckpointEarlyInASegmentRollsToAPreallocatedOne() throws Exception {
        long segmentBytes = 1024 * 1024;
        WalOptions options = WalOptions.defaults(directory).withSegmentBytes(segmentBytes).withCheckpoints(0, Duration.ZERO);
        try (FileWriteAheadLog log = open(options)) {
            log.append(anyStart()); // a small part of the segment
            Eventually.await("a spare prepared as soon as a write finds none", Duration.ofSeconds(10), log::spareReady);
            log.checkpoint(); // rolls
            List<Path> segments = files("segment-");
            assertEquals(segmentBytes, Files.size(segments.get(segments.size() - 1)), "the new segment is the spare: " + segments);
        }
    }

    @Test
    void preallocatedSegmentsRecoverWithoutFindingDamage() throws Exception {
        WalOptions options = WalOptions.defaults(directory).withSegmentBytes(64 * 1024).withCheckpoints(0, Duration.ZERO);
        List<LogEntry> written = new ArrayList<>();
        try (FileWriteAheadLog log = open(options)) {
            while (files("segment-").size() < 4) {
                LogEntry e = anyStart();
                log.append(e);
                written.add(e);
            }
        }
        try (Stream<Path> all = Files.list(directory)) {
            assertFalse(all.anyMatch(f -> f.getFileName().toString().equals("segment.spare")), "close removes the spare");
        }
        long padded = files("segment-").stream().filter(f -> f.toFile().length() == 64 * 1024).count();
        assertTrue(padded > 0, "rolls took preallocated segments: " + files("segment-"));
        try (FileWriteAheadLog log = open(options)) {
            assertEquals(written, plain(log.entries()));
            assertEquals(List.of(), log.recoveryEvents(), "zero padding is not damage");
        }
    }

    @Test
    void aTornRecordFollowedByZerosIsATornTail() throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (FileWriteAheadLog log = open(unsynced())) {
            for (int i = 0; i < 3; i++) {
                LogEntry e = anyStart();
                log.append(e);
                written.add(e);
            }
        }
        Path segment = files("segment-").get(0);
        byte[] bytes = Files.readAllBytes(segment);
        int lastRecord = WalFiles.RECORD_HEADER_SIZE + EntryCodec.encode(written.get(2)).length;
        // what a crash leaves in a preallocated file: the start of the last record, zeros instead of the rest
        Arrays.fill(bytes, bytes.length - lastRecord / 2, bytes.length, (byte) 0);
        byte[] padded = Arrays.copyOf(bytes, bytes.length + 8192);
        Files.write(segment, padded);
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(written.subList(0, 2), plain(log.entries()));
            assertEquals("cut off torn tail", log.recoveryEvents().get(0).action());
        }
    }

    @Test
    void corruptionInTheMiddleIsQuarantinedAndRecoveryGoesOn() throws Exception {
        List<LogEntry> first = new ArrayList<>();
        List<LogEntry> second = new ArrayList<>();
        try (FileWriteAheadLog log = open(unsynced().withSegmentBytes(4096))) {
            while (files("segment-").size() < 2 || second.size() < 3) {
                LogEntry e = anyStart();
                log.append(e);
                (files("segment-").size() < 2 ? first : second).add(e);
            }
        }
        Path damaged = files("segment-").get(0);
        byte[] bytes = Files.readAllBytes(damaged);
        int recordSize = WalFiles.RECORD_HEADER_SIZE + EntryCodec.encode(first.get(0)).length;
        int thirdRecord = WalFiles.FILE_HEADER_SIZE + 2 * recordSize;
        bytes[thirdRecord + 100] ^= 0x10; // one flipped bit inside the third record
        Files.write(damaged, bytes);
        try (FileWriteAheadLog log = open(unsynced())) {
            List<LogEntry> recovered = plain(log.entries());
            List<LogEntry> expected = new ArrayList<>(first.subList(0, 2));
            expected.addAll(second);
            assertEquals(expected, recovered, "the records before the damage and every later segment");
            FileWriteAheadLog.RecoveryEvent event = log.recoveryEvents().get(0);
            assertTrue(event.action().startsWith("moved to quarantine"), event.toString());
            assertEquals(thirdRecord, event.offset());
            assertTrue(event.reason().contains("checksum mismatch"), event.reason());
        }
        Path quarantined = directory.resolve("quarantine").resolve(damaged.getFileName() + "-at-" + thirdRecord + ".bin");
        assertEquals(bytes.length - thirdRecord, Files.size(quarantined), "the rest of the segment is kept aside, not lost");
    }

    @Test
    void aSecondLogOnTheSameDirectoryIsRefused() throws Exception {
        try (FileWriteAheadLog log = open(unsynced())) {
            WriteAheadLogException e = assertThrows(WriteAheadLogException.class, () -> open(unsynced()));
            assertTrue(e.getMessage().contains("in use by another log"), e.getMessage());
            log.append(anyStart());
        }
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(1, log.entries().size());
        }
    }

    @Test
    void concurrentDurableAppendersShareForces() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        int threads = 16;
        int perThread = 100;
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            int forcesBefore = disk.forces;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    work.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            log.append(anyStart());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            int forces = disk.forces - forcesBefore;
            assertTrue(forces > 0, "durable appends were forced");
            assertTrue(forces < threads * perThread / 2, forces + " forces for " + threads * perThread + " appends: no group commit");
        }
    }

    @Test
    void interruptedAppendersStillWriteDurablyAndKeepTheirInterrupt() throws Exception {
        int threads = 8;
        int perThread = 50;
        List<Long> acknowledged = Collections.synchronizedList(new ArrayList<>());
        try (FileWriteAheadLog log = FileWriteAheadLog.open(directory, "always")) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Boolean>> work = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    work.add(pool.submit(() -> {
                        boolean keptInterrupt = true;
                        for (int i = 0; i < perThread; i++) {
                            Thread.currentThread().interrupt(); // as the engine's stop does to a running step
                            acknowledged.add(log.append(anyStart()));
                            keptInterrupt &= Thread.interrupted();
                        }
                        return keptInterrupt;
                    }));
                }
                for (Future<Boolean> f : work) {
                    assertTrue(f.get(60, TimeUnit.SECONDS), "the interrupt flag survived the append");
                }
            } finally {
                pool.shutdownNow();
            }
        }
        try (FileWriteAheadLog reopened = FileWriteAheadLog.open(directory, "always")) {
            Set<Long> recovered = new HashSet<>();
            reopened.liveEntries().forEach(e -> recovered.add(e.sequence()));
            assertEquals(threads * perThread, acknowledged.size());
            assertTrue(recovered.containsAll(acknowledged), "every acknowledged append was recovered");
        }
    }

    @Test
    void appendersQueuedBehindReadersAndCheckpointsAllFinish() throws Exception {
        int threads = 8;
        int perThread = 200;
        AtomicBoolean appending = new AtomicBoolean(true);
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory).withSegmentBytes(64 * 1024))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
            try {
                // takes the write lock again and again, as reads and checkpoints do, while appenders wait for it
                Future<Integer> lockHolder = pool.submit(() -> {
                    int rounds = 0;
                    while (appending.get()) {
                        log.entries();
                        if (++rounds % 10 == 0) {
                            log.checkpoint();
                        }
                    }
                    return rounds;
                });
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    work.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            UUID session = UUID.randomUUID();
                            log.append(started(session, UUID.randomUUID(), UUID.randomUUID(), 0, List.of()));
                            if (i % 2 == 0) {
                                log.append(LogEntry.sessionFinished(session, UUID.randomUUID(), "", ""));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get(120, TimeUnit.SECONDS); // a lost wake-up would hang here
                }
                appending.set(false);
                assertTrue(lockHolder.get(60, TimeUnit.SECONDS) > 0);
            } finally {
                appending.set(false);
                pool.shutdownNow();
            }
            assertEquals(threads * perThread / 2, log.liveEntries().size(), "the unfinished sessions' starts");
        }
    }

    @Test
    void aSingleDurableAppendIsForcedOnce() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            int before = disk.forces;
            log.append(anyStart());
            assertEquals(1, disk.forces - before);
        }
    }

    @Test
    void underTheIntervalPolicyAppendsReturnUnforcedAndTheTimerForcesThem() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        WalOptions hourly = new WalOptions(directory, SyncPolicy.INTERVAL, Duration.ofHours(1), 64L << 20, 0, Duration.ZERO);
        try (FileWriteAheadLog log = new FileWriteAheadLog(hourly, disk.opener())) {
            int before = disk.forces;
            for (int i = 0; i < 3; i++) {
                log.append(anyStart());
            }
            assertEquals(before, disk.forces, "an append does not wait for a force");
        }
        WalOptions often = new WalOptions(directory, SyncPolicy.INTERVAL, Duration.ofMillis(20), 64L << 20, 0, Duration.ZERO);
        try (FileWriteAheadLog log = new FileWriteAheadLog(often, disk.opener())) {
            int before = disk.forces;
            log.append(anyStart());
            Eventually.await("the timer forcing the appended entry", Duration.ofSeconds(10), () -> disk.forces > before);
            int afterForce = disk.forces;
            // a negative check: ten timer periods with nothing appended, and none may force again
            Thread.sleep(200);
            assertEquals(afterForce, disk.forces, "an idle log is not forced again");
            assertEquals(4, log.liveEntries().size());
        }
    }

    @Test
    void aFullDiskFailsTheAppendAndLeavesTheLogConsistent() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        List<LogEntry> acknowledged = new ArrayList<>();
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            for (int i = 0; i < 3; i++) {
                LogEntry e = anyStart();
                log.append(e);
                acknowledged.add(e);
            }
            disk.bytesLeft = 100; // the next record is larger
            WriteAheadLogException e = assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertTrue(e.getMessage().contains("segment-"), "names the file: " + e.getMessage());
            disk.bytesLeft = Long.MAX_VALUE; // space freed
            LogEntry later = anyStart();
            log.append(later);
            acknowledged.add(later);
            assertEquals(acknowledged, plain(log.entries()));
        }
        try (FileWriteAheadLog log = open(WalOptions.defaults(directory))) {
            assertEquals(acknowledged, plain(log.entries()));
            assertEquals(List.of(), log.recoveryEvents(), "the half record was truncated away");
        }
    }

    /**
     * Recovery takes a record longer than {@link WalFiles#MAX_PAYLOAD} for corruption, so the append refuses
     * such an entry, with the whole batch it came in, instead of acknowledging what a restart would then
     * quarantine. Entries of several megabytes below the limit are kept, through a checkpoint too, under
     * every sync policy (the unforced ones gather small appends in a buffer these do not fit).
     */
    @Test
    void anEntryLargerThanARecordMayBeIsRefusedWholeAndLargeOnesAreKept() throws Exception {
        LogEntry tooLarge = LogEntry.stepStarted(UUID.randomUUID(), flow, UUID.randomUUID(), "ReadWholeFile", "c",
                Map.of("file.text", "x".repeat(WalFiles.MAX_PAYLOAD)), "", 0, List.of());
        LogEntry large = LogEntry.stepStarted(UUID.randomUUID(), flow, UUID.randomUUID(), "ReadWholeFile", "c",
                Map.of("file.text", "y".repeat(5 << 20)), "", 0, List.of());
        for (SyncPolicy sync : SyncPolicy.values()) {
            WalOptions options = WalOptions.defaults(directory.resolve(sync.name())).withSync(sync);
            LogEntry before = anyStart();
            LogEntry after = anyStart();
            try (FileWriteAheadLog log = open(options)) {
                log.append(before);
                EntryRejectedException e = assertThrows(EntryRejectedException.class,
                        () -> log.appendAll(List.of(anyStart(), tooLarge)));
                assertTrue(e.getMessage().contains("session " + tooLarge.sessionId()) && e.getMessage().contains("'ReadWholeFile'")
                        && e.getMessage().contains("at most " + WalFiles.MAX_PAYLOAD), e.getMessage());
                log.append(large);
                log.append(after);
                assertEquals(List.of(before, large, after), plain(log.entries()), sync + ": nothing of the refused batch was written");
                log.checkpoint();
            }
            try (FileWriteAheadLog log = open(options)) {
                assertEquals(List.of(before, large, after), plain(log.liveEntries()), sync + ": recovered whole");
                assertEquals(List.of(), log.recoveryEvents(), sync.name());
            }
        }
    }

    /** The limit is exact: an entry of {@link WalFiles#MAX_PAYLOAD} bytes is kept, through a checkpoint, one byte more is refused. */
    @Test
    void anEntryOfExactlyTheLargestRecordIsKeptAndOneByteMoreIsRefused() throws Exception {
        LogEntry atLimit = entryEncodedTo(WalFiles.MAX_PAYLOAD);
        LogEntry overLimit = entryEncodedTo(WalFiles.MAX_PAYLOAD + 1);
        try (FileWriteAheadLog log = open(WalOptions.defaults(directory))) {
            assertThrows(EntryRejectedException.class, () -> log.append(overLimit));
            log.append(atLimit);
            log.checkpoint();
        }
        try (FileWriteAheadLog log = open(WalOptions.defaults(directory))) {
            assertEquals(List.of(atLimit), plain(log.liveEntries()));
            assertEquals(List.of(), log.recoveryEvents());
        }
    }

    /** A started step whose encoded form is exactly {@code bytes} long. */
    private LogEntry entryEncodedTo(int bytes) {
        String text = "";
        for (int attempt = 0; attempt < 3; attempt++) { // the string's length prefix grows with it: settle in a few tries
            LogEntry entry = LogEntry.stepStarted(new UUID(1, 2), flow, new UUID(3, 4), "Big", "c",
                    Map.of("text", text), "", 0, List.of());
            int encoded = EntryCodec.encode(entry).length;
            if (encoded == bytes) {
                return entry;
            }
            text = "t".repeat(text.length() + bytes - encoded);
        }
        throw new AssertionError("no entry of exactly " + bytes + " bytes");
    }

    /**
     * Concurrent appends of several megabytes each: one turn of the write lock writes at most 16 MiB, the
     * rest in later turns, and every append, under every sync policy, returns once written and is recovered.
     */
    @Test
    void concurrentLargeAppendsAreWrittenInSeveralTurnsAndAllKept() throws Exception {
        String text = "z".repeat(3 << 20);
        for (SyncPolicy sync : SyncPolicy.values()) {
            WalOptions options = WalOptions.defaults(directory.resolve(sync.name())).withSync(sync);
            List<LogEntry> acknowledged = Collections.synchronizedList(new ArrayList<>());
            try (FileWriteAheadLog log = open(options)) {
                ExecutorService pool = Executors.newFixedThreadPool(8);
                try {
                    List<Future<?>> work = new ArrayList<>();
                    for (int t = 0; t < 8; t++) {
                        work.add(pool.submit(() -> {
                            for (int i = 0; i < 3; i++) {
                                LogEntry entry = LogEntry.stepStarted(UUID.randomUUID(), flow, UUID.randomUUID(), "Big", "c",
                                        Map.of("text", text, "n", i), "", 0, List.of());
                                log.append(entry);
                                acknowledged.add(entry);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : work) {
                        f.get();
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
            try (FileWriteAheadLog log = open(options)) {
                assertEquals(sessionsOf(acknowledged), sessionsOf(log.liveEntries()), sync + ": every large append recovered");
                assertEquals(24, log.liveEntries().size());
                assertEquals(List.of(), log.recoveryEvents(), sync.name());
            }
        }
    }

    @Test
    void whenTruncationFailsTooTheLogMovesToANewSegment() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        List<LogEntry> acknowledged = new ArrayList<>();
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            LogEntry first = anyStart();
            log.append(first);
            acknowledged.add(first);
            disk.bytesLeft = 100;
            disk.failTruncate = true;
            assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
            disk.bytesLeft = Long.MAX_VALUE;
            LogEntry later = anyStart();
            log.append(later);
            acknowledged.add(later);
        }
        try (FileWriteAheadLog log = open(WalOptions.defaults(directory))) {
            assertEquals(acknowledged, plain(log.entries()), "nothing acknowledged lost, nothing half-written surfaces");
            assertEquals(1, log.recoveryEvents().size());
            assertEquals("cut off torn tail", log.recoveryEvents().get(0).action());
        }
    }

    @Test
    void aFailedForceStopsTheLogFromAcknowledgingAnything() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            log.append(anyStart());
            disk.failForce = true;
            WriteAheadLogException e = assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
            assertTrue(e.getMessage().contains("fsync"), e.getMessage());
            disk.failForce = false;
            WriteAheadLogException later = assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
            assertTrue(later.getMessage().contains("failed earlier"), later.getMessage());
        }
    }

    @Test
    void checkpointsKeepEveryLiveRecordAndDropTheRest() throws Exception {
        Set<UUID> open = Collections.synchronizedSet(new HashSet<>());
        WalOptions options = WalOptions.defaults(directory).withSegmentBytes(64 * 1024).withCheckpoints(0, Duration.ZERO);
        try (FileWriteAheadLog log = open(options)) {
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    int i = 0;
                    while (!stop.get() || i < 200) {
                        UUID session = UUID.randomUUID();
                        UUID step = UUID.randomUUID();
                        log.append(started(session, flow, step, 0, List.of()));
                        if ((i + thread) % 4 == 0) {
                            open.add(session);
                        } else {
                            log.append(completed(session, flow, step));
                            log.recordSessionFinished(session, flow, "", "");
                        }
                        i++;
                    }
                    return null;
                }));
            }
            for (int c = 0; c < 5; c++) {
                log.checkpoint();
            }
            stop.set(true);
            for (Future<?> f : work) {
                f.get();
            }
            pool.shutdownNow();
            log.checkpoint();
            assertEquals(open, sessionsOf(log.unfinishedSteps()));
            assertEquals(1, files("snapshot-").size(), "one snapshot after checkpoints");
            assertEquals(1, files("segment-").size(), "every segment before the last checkpoint is deleted");
        }
        try (FileWriteAheadLog log = open(options)) {
            assertEquals(open, sessionsOf(log.unfinishedSteps()));
            assertEquals(open.size(), log.liveEntries().size(), "only the live records were kept");
            assertEquals(List.of(), log.recoveryEvents());
        }
    }

    @Test
    void theFirstReadAfterOpeningSeesWhatChangedSinceTheRecovery() throws Exception {
        List<LogEntry> a = List.of(anyStart(), anyStart(), anyStart(), anyStart());
        try (FileWriteAheadLog log = open(unsynced())) {
            for (LogEntry e : a) {
                log.append(e);
            }
            log.checkpoint();
        }
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(a, plain(log.liveEntries()), "nothing changed: the entries recovery decoded");
            assertEquals(a, plain(log.liveEntries()), "read again from the files");
        }
        try (FileWriteAheadLog log = open(unsynced())) {
            LogEntry b = anyStart();
            log.append(b);
            assertEquals(List.of(a.get(0), a.get(1), a.get(2), a.get(3), b), plain(log.liveEntries()));
            log.recordSessionFinished(b.sessionId(), flow, "", "");
        }
        LogEntry later = anyStart();
        try (FileWriteAheadLog log = open(unsynced())) {
            // between the recovery (which decoded the snapshot) and the first read: one session ends, one starts
            log.recordSessionFinished(a.get(1).sessionId(), flow, "", "");
            log.append(later);
            List<LogEntry> expected = List.of(a.get(0), a.get(2), a.get(3), later);
            List<LogEntry> first = log.liveEntries();
            assertEquals(expected, plain(first));
            assertEquals(first, log.liveEntries(), "a second read, from the files, agrees");
            for (int i = 1; i < first.size(); i++) {
                assertTrue(first.get(i - 1).sequence() < first.get(i).sequence(), "in log order");
            }
        }
        try (FileWriteAheadLog log = open(unsynced())) {
            // a checkpoint before the first read replaces the snapshot recovery decoded
            log.recordSessionFinished(a.get(2).sessionId(), flow, "", "");
            log.checkpoint();
            assertEquals(List.of(a.get(0), a.get(3), later), plain(log.liveEntries()));
        }
        try (FileWriteAheadLog log = open(unsynced())) {
            for (UUID session : List.of(a.get(0).sessionId(), a.get(3).sessionId(), later.sessionId())) {
                log.recordSessionFinished(session, flow, "", "");
            }
            assertEquals(List.of(), log.liveEntries(), "every session finished since the opening");
        }
    }

    /** A small snapshot is decoded on the recovering thread, a large one (30,000 records) on the other cores too. */
    @ParameterizedTest
    @ValueSource(ints = {3, 30_000})
    void aSnapshotRecordThatCannotBeDecodedFailsTheReadNotTheOpening(int records) throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (FileWriteAheadLog log = open(unsynced())) {
            for (int i = 0; i < records; i++) {
                written.add(anyStart());
            }
            log.appendAll(written);
            log.checkpoint();
        }
        // a record in the middle gets an unknown entry kind and a checksum that matches it, as another version might write
        Path snapshot = files("snapshot-").get(0);
        byte[] bytes = Files.readAllBytes(snapshot);
        int recordSize = WalFiles.RECORD_HEADER_SIZE + EntryCodec.encode(written.get(0)).length;
        int middle = WalFiles.FILE_HEADER_SIZE + records / 2 * recordSize;
        ByteBuffer record = ByteBuffer.wrap(bytes, middle, recordSize).slice();
        long sequence = record.getLong(8);
        byte[] payload = Arrays.copyOfRange(bytes, middle + WalFiles.RECORD_HEADER_SIZE, middle + recordSize);
        payload[EntryCodec.KIND_OFFSET] = 9;
        System.arraycopy(payload, 0, bytes, middle + WalFiles.RECORD_HEADER_SIZE, payload.length);
        record.putInt(4, new RecordChecksum().of(sequence, payload));
        Files.write(snapshot, bytes);
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(List.of(), log.recoveryEvents(), "the record is whole: nothing to cut or quarantine");
            WriteAheadLogException failure = assertThrows(WriteAheadLogException.class, log::liveEntries);
            assertTrue(failure.getMessage().contains(directory.toString()) && failure.getMessage().contains("unknown entry kind 9"),
                    failure.getMessage());
            log.append(anyStart()); // the log itself still works
        }
    }

    @Test
    void checkpointsStartBySize() throws Exception {
        WalOptions options = WalOptions.defaults(directory).withSync(SyncPolicy.NEVER).withSegmentBytes(16 * 1024)
                .withCheckpoints(32 * 1024, Duration.ZERO);
        try (FileWriteAheadLog log = open(options)) {
            for (int i = 0; i < 400; i++) {
                UUID session = UUID.randomUUID();
                log.append(started(session, flow, UUID.randomUUID(), 0, List.of()));
                log.recordSessionFinished(session, flow, "", "");
            }
            List<Path> snapshots = awaitSnapshots();
            assertFalse(snapshots.isEmpty(), "a checkpoint ran once enough was appended");
            // the checkpoint renames its snapshot into place before it deletes the segments it covers: wait for both
            long boundary = WalFiles.snapshotNumber(snapshots.get(0).getFileName().toString());
            Predicate<Path> covered = file -> WalFiles.segmentNumber(file.getFileName().toString()) <= boundary;
            List<Path> segments = awaitFiles("segment-", listed -> listed.stream().noneMatch(covered));
            assertEquals(List.of(), segments.stream().filter(covered).toList(),
                    "the segments up to the snapshot's boundary " + boundary + " were deleted");
            assertFalse(segments.isEmpty(), "the segment being written stays");
        }
    }

    @Test
    void checkpointsStartByTimeOnceSomethingWasAppended() throws Exception {
        WalOptions options = WalOptions.defaults(directory).withSync(SyncPolicy.NEVER)
                .withCheckpoints(0, Duration.ofMillis(50));
        UUID live = UUID.randomUUID();
        try (FileWriteAheadLog log = open(options)) {
            // a negative check: six timer periods pass with nothing appended, and none may write a snapshot
            Thread.sleep(300);
            assertEquals(List.of(), files("snapshot-"), "an idle log is not checkpointed");
            log.append(started(live, flow, UUID.randomUUID(), 0, List.of()));
            UUID finished = UUID.randomUUID();
            log.append(started(finished, flow, UUID.randomUUID(), 0, List.of()));
            log.recordSessionFinished(finished, flow, "", "");
            assertFalse(awaitSnapshots().isEmpty(), "the timer checkpointed what was appended");
        }
        try (FileWriteAheadLog log = open(options.withCheckpoints(0, Duration.ZERO))) {
            assertEquals(Set.of(live), sessionsOf(log.unfinishedSteps()));
            assertEquals(List.of(), log.recoveryEvents());
        }
    }

    /**
     * Waits up to 10 s for a background checkpoint to rename a snapshot into place (its temporary file, also named
     * {@code snapshot-...}, does not count); returns the completed snapshots.
     */
    private List<Path> awaitSnapshots() throws IOException {
        Predicate<Path> completed = file -> WalFiles.snapshotNumber(file.getFileName().toString()) >= 0;
        return awaitFiles("snapshot-", listed -> listed.stream().anyMatch(completed)).stream().filter(completed).toList();
    }

    /** Waits up to 10 s until the files named with this prefix meet the condition; their listing then. */
    private List<Path> awaitFiles(String prefix, Predicate<List<Path>> condition) throws IOException {
        Eventually.await("files " + prefix + "* as expected", Duration.ofSeconds(10), () -> condition.test(listing(prefix)),
                () -> listing(prefix));
        return files(prefix);
    }

    private List<Path> listing(String prefix) {
        try {
            return files(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<UUID> sessionsOf(List<LogEntry> entries) {
        Set<UUID> sessions = new HashSet<>();
        entries.forEach(e -> sessions.add(e.sessionId()));
        return sessions;
    }

    @Test
    void anInterruptDuringAForceIsSurvivedAndTheAppenderKeepsItsInterrupt() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            log.append(anyStart());
            disk.interruptedForces = 1;
            AtomicBoolean keptInterrupt = new AtomicBoolean();
            Thread appender = new Thread(() -> {
                try {
                    log.append(anyStart());
                } catch (WriteAheadLogException e) {
                    throw new AssertionError("the append failed over an interrupt", e);
                }
                keptInterrupt.set(Thread.currentThread().isInterrupted());
            });
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            appender.setUncaughtExceptionHandler((thread, error) -> failures.add(error));
            appender.start();
            appender.join(30_000);
            assertEquals(List.of(), failures);
            assertTrue(keptInterrupt.get(), "the interrupt is the appender's to see");
            log.append(anyStart());
            assertEquals(3, log.liveEntries().size(), "the log takes appends after the interrupt");
        }
    }
}
