package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

/** Recovery: headers, torn tails, padding, quarantine, and the first read after opening. */
class LogRecoveryTest extends LogTestSupport {

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
                List<RecoveryEvent> events = log.recoveryEvents();
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
            RecoveryEvent event = log.recoveryEvents().get(0);
            assertTrue(event.action().startsWith("moved to quarantine"), event.toString());
            assertEquals(thirdRecord, event.offset());
            assertTrue(event.reason().contains("checksum mismatch"), event.reason());
        }
        Path quarantined = directory.resolve("quarantine").resolve(damaged.getFileName() + "-at-" + thirdRecord + ".bin");
        assertEquals(bytes.length - thirdRecord, Files.size(quarantined), "the rest of the segment is kept aside, not lost");
    }

    /**
     * A flipped bit in a record's length makes the record reach past the end of a growing segment, or into the
     * zeros of a preallocated one. Good records follow it, so it is corruption, not a torn tail: the rest of the
     * segment goes to quarantine, not to nothing.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCorruptLengthInTheMiddleOfASegmentIsCorruptionNotATornTail(boolean preallocated) throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (FileWriteAheadLog log = open(unsynced())) {
            for (int i = 0; i < 6; i++) {
                LogEntry e = anyStart();
                log.append(e);
                written.add(e);
            }
        }
        Path segment = files("segment-").get(0);
        byte[] bytes = Files.readAllBytes(segment);
        int recordSize = WalFiles.RECORD_HEADER_SIZE + EntryCodec.encode(written.get(0)).length;
        int secondRecord = WalFiles.FILE_HEADER_SIZE + recordSize;
        int padding = preallocated ? 1 << 20 : 0;
        // the lowest bit of the length's second byte: 64 KiB longer, past the end, or into the preallocated zeros
        bytes[secondRecord + 1] ^= 0x01;
        Files.write(segment, Arrays.copyOf(bytes, bytes.length + padding));
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(written.subList(0, 1), plain(log.entries()));
            RecoveryEvent event = log.recoveryEvents().get(0);
            assertTrue(event.action().startsWith("moved to quarantine"), event.toString());
            assertEquals(secondRecord, event.offset());
        }
        Path quarantined = directory.resolve("quarantine").resolve(segment.getFileName() + "-at-" + secondRecord + ".bin");
        byte[] kept = Files.readAllBytes(quarantined);
        assertEquals(bytes.length + padding - secondRecord, kept.length);
        assertTrue(Arrays.equals(Arrays.copyOfRange(bytes, secondRecord, bytes.length), Arrays.copyOf(kept, bytes.length - secondRecord)),
                "the later records are kept aside as they were");
    }

    /** A torn tail is cut off, and what is cut is copied to quarantine first: a misjudged tail loses nothing. */
    @Test
    void aTornTailIsCopiedToQuarantineBeforeItIsCut() throws Exception {
        List<LogEntry> written = new ArrayList<>();
        try (FileWriteAheadLog log = open(unsynced())) {
            for (int i = 0; i < 3; i++) {
                LogEntry e = anyStart();
                log.append(e);
                written.add(e);
            }
        }
        Path segment = files("segment-").get(0);
        byte[] full = Files.readAllBytes(segment);
        int cut = full.length - 10;
        int lastStart = full.length - WalFiles.RECORD_HEADER_SIZE - EntryCodec.encode(written.get(2)).length;
        Files.write(segment, Arrays.copyOf(full, cut));
        try (FileWriteAheadLog log = open(unsynced())) {
            assertEquals(written.subList(0, 2), plain(log.entries()));
            RecoveryEvent event = log.recoveryEvents().get(0);
            assertEquals("cut off torn tail", event.action());
            assertTrue(event.reason().contains("quarantine"), event.reason());
        }
        Path quarantined = directory.resolve("quarantine").resolve(segment.getFileName() + "-at-" + lastStart + ".bin");
        assertTrue(Arrays.equals(Arrays.copyOfRange(full, lastStart, cut), Files.readAllBytes(quarantined)), "the cut bytes are kept");
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
}
