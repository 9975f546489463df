package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static streamline.testkit.WriteAheadLogContract.started;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.Eventually;

/** Writing records: failed writes leave no half record, oversized entries are refused, large batches are split. */
class SegmentWriterTest extends LogTestSupport {

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
    /**
     * An interrupt during a write (another thread's, as the engine's stop sends) closes the channel after the
     * bytes are written. Neither append of that write fails over it: the writer reopens the segment and
     * writes again, and the interrupt stays with the thread it was meant for. Whatever an append reports is
     * what a restart finds: an append that threw never comes back.
     */
    @Test
    void anInterruptDuringAWriteFailsNoAppendOfItAndStaysWithItsThread() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        LogEntry first = anyStart();
        LogEntry a = anyStart();
        LogEntry b = anyStart();
        LogEntry later = anyStart();
        Map<LogEntry, Boolean> acknowledged = new ConcurrentHashMap<>();
        List<Boolean> keptInterrupt = new CopyOnWriteArrayList<>();
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            log.append(first);
            AppendQueue queue = log.appendQueue();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> appends = new ArrayList<>();
                queue.lock(); // both appends queue, then one turn writes them in one write
                try {
                    for (LogEntry entry : List.of(a, b)) {
                        int queued = queue.waiting();
                        appends.add(pool.submit(() -> {
                            try {
                                log.append(entry);
                                acknowledged.put(entry, true);
                            } catch (WriteAheadLogException e) {
                                acknowledged.put(entry, false);
                            }
                            keptInterrupt.add(Thread.interrupted());
                            return null;
                        }));
                        Eventually.await("the append queued", Duration.ofSeconds(10), () -> queue.waiting() == queued + 1);
                    }
                    disk.interruptedWrites = 1;
                } finally {
                    queue.unlock();
                }
                for (Future<?> f : appends) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            log.append(later);
        }
        assertEquals(Map.of(a, true, b, true), acknowledged, "no append failed over another thread's interrupt");
        assertEquals(1, keptInterrupt.stream().filter(kept -> kept).count(), "the writing thread kept its interrupt");
        try (FileWriteAheadLog log = open(WalOptions.defaults(directory))) {
            List<LogEntry> expected = new ArrayList<>(List.of(first));
            acknowledged.forEach((entry, ok) -> {
                if (ok) {
                    expected.add(entry);
                }
            });
            expected.add(later);
            assertEquals(Set.copyOf(expected), Set.copyOf(plain(log.entries())), "what was acknowledged, and nothing that threw");
            assertEquals(List.of(), log.recoveryEvents());
        }
    }

    /**
     * Under {@code interval} and {@code never}, acknowledged appends wait in a buffer; an interrupt during its
     * flush must not fail the log and drop them: the flush is written again through a reopened channel.
     */
    @Test
    void anInterruptDuringABufferFlushLosesNoAcknowledgedAppend() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        WalOptions options = new WalOptions(directory, SyncPolicy.NEVER, Duration.ofHours(1), 64L << 20, 0, Duration.ZERO);
        List<LogEntry> acknowledged = new ArrayList<>(List.of(anyStart(), anyStart()));
        try (FileWriteAheadLog log = new FileWriteAheadLog(options, disk.opener())) {
            for (LogEntry entry : acknowledged) {
                log.append(entry);
            }
            disk.interruptedWrites = 1; // the flush a read makes meets an interrupt
            List<LogEntry> read;
            try {
                read = plain(log.entries());
            } finally {
                assertTrue(Thread.interrupted(), "the reading thread kept its interrupt");
            }
            assertEquals(acknowledged, read);
            LogEntry later = anyStart();
            log.append(later);
            acknowledged.add(later);
        }
        try (FileWriteAheadLog log = open(options)) {
            assertEquals(acknowledged, plain(log.entries()));
        }
    }

    /** A roll, a checkpoint's and a close's force on an interrupted thread: done, and the interrupt kept. */
    @Test
    void aCheckpointAndACloseOnAnInterruptedThreadForceAndKeepTheInterrupt() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        LogEntry unforced = anyStart();
        Path crashed = directory.resolveSibling(directory.getFileName() + "-power-loss");
        FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory).withSegmentBytes(64 * 1024)
                .withCheckpoints(0, Duration.ZERO), disk.opener());
        try {
            log.append(anyStart());
            Thread.currentThread().interrupt();
            log.checkpoint();
            assertTrue(Thread.interrupted(), "the checkpoint left the interrupt in place");
            log.appendUnforced(List.of(unforced));
            Thread.currentThread().interrupt();
            log.close(); // forces the unforced append though the thread is interrupted
            assertTrue(Thread.interrupted(), "the close left the interrupt in place");
        } finally {
            Thread.interrupted();
            log.close();
        }
        disk.powerLossCopy(directory, crashed);
        try (FileWriteAheadLog reopened = open(WalOptions.defaults(crashed))) {
            assertTrue(plain(reopened.entries()).contains(unforced), "the close forced the unforced append");
        }
    }

    /**
     * A failed write whose partial record cannot be truncated away is left at the end of its segment, and the
     * log moves on to a new one; reads stop where that segment's good records end instead of failing on it.
     */
    @Test
    void aPartialRecordLeftBehindByAFailedTruncateDoesNotFailReads() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        LogEntry first = anyStart();
        LogEntry later = anyStart();
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            log.append(first);
            disk.bytesLeft = 100;
            disk.failTruncate = true;
            assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
            disk.bytesLeft = Long.MAX_VALUE;
            disk.failTruncate = false;
            log.append(later);
            assertEquals(List.of(first, later), plain(log.entries()));
            assertEquals(List.of(first, later), plain(log.liveEntries()));
        }
    }
}
