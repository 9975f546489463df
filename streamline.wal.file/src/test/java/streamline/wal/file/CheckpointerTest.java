package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static streamline.testkit.WriteAheadLogContract.completed;
import static streamline.testkit.WriteAheadLogContract.started;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.Eventually;

/** Checkpoints: what they keep, when they start, and that appenders never wait behind them. */
class CheckpointerTest extends LogTestSupport {

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
            // (the periodic turns count the 100 ms flush's too: twelve of them hold at least six of the checkpoint's)
            Eventually.await("six timer periods", Duration.ofSeconds(10), () -> log.periodicTurnsEnded() >= 12);
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
     * A session's end written after the checkpoint's roll (into the new segment, not yet forced) takes the
     * session out of the index the checkpoint copies: the snapshot leaves the session out and the segment
     * holding its start is deleted. A power loss right after the checkpoint must find the end durable, or the
     * session still there: the checkpoint forces what its walk of the index saw before installing the snapshot.
     */
    @Test
    void aSessionEndWrittenDuringACheckpointIsForcedBeforeTheSnapshotLeavesTheSessionOut() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        WalOptions options = WalOptions.defaults(directory).withSegmentBytes(64 * 1024).withCheckpoints(0, Duration.ZERO);
        LogEntry start = anyStart();
        LogEntry end = LogEntry.sessionFinished(start.sessionId(), flow, "mark", "");
        Path crashed = directory.resolveSibling(directory.getFileName() + "-power-loss");
        try (FileWriteAheadLog log = new FileWriteAheadLog(options, disk.opener())) {
            log.append(start);
            AtomicBoolean once = new AtomicBoolean();
            disk.beforeOpen = file -> {
                // the checkpoint rolled and is about to write its snapshot: the session ends now, in the new segment
                if (file.getFileName().toString().endsWith(".tmp") && once.compareAndSet(false, true)) {
                    try {
                        log.appendUnforced(List.of(end));
                    } catch (WriteAheadLogException e) {
                        throw new IOException(e);
                    }
                }
            };
            log.checkpoint();
            assertTrue(once.get(), "the end was appended during the checkpoint");
            disk.powerLossCopy(directory, crashed);
        }
        try (FileWriteAheadLog log = open(options.withDirectory(crashed))) {
            boolean live = sessionsOf(log.liveEntries()).contains(start.sessionId());
            boolean ended = plain(log.entries()).contains(end);
            assertTrue(live || ended, "after the power loss the session is still live, or its end is there: "
                    + plain(log.entries()));
        }
    }

    /**
     * The same when the end's append throws (its force failed): the session did not end, so the checkpoint,
     * which cannot force what its walk saw, installs nothing, and after a power loss the session is live.
     */
    @Test
    void aSessionEndWhoseAppendThrewDuringACheckpointLeavesTheSessionLive() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        WalOptions options = WalOptions.defaults(directory).withSegmentBytes(64 * 1024).withCheckpoints(0, Duration.ZERO);
        LogEntry start = anyStart();
        Path crashed = directory.resolveSibling(directory.getFileName() + "-power-loss");
        FileWriteAheadLog log = new FileWriteAheadLog(options, disk.opener());
        try {
            log.append(start);
            AtomicBoolean threw = new AtomicBoolean();
            disk.beforeOpen = file -> {
                if (file.getFileName().toString().endsWith(".tmp") && !threw.get()) {
                    disk.failingForces = 1; // the end's force fails; the snapshot's own force would succeed
                    try {
                        log.recordSessionFinished(start.sessionId(), flow, "mark", "");
                    } catch (WriteAheadLogException e) {
                        threw.set(true);
                    }
                }
            };
            try {
                log.checkpoint();
            } catch (WriteAheadLogException e) {
                // allowed: the log failed under the checkpoint
            }
            assertTrue(threw.get(), "the end's append threw");
            disk.powerLossCopy(directory, crashed);
        } finally {
            try {
                log.close();
            } catch (WriteAheadLogException e) {
                // a failed log says so on close
            }
        }
        try (FileWriteAheadLog reopened = open(options.withDirectory(crashed))) {
            assertEquals(List.of(start), plain(reopened.liveEntries()), "the session whose end failed is live after the power loss");
        }
    }

    /**
     * Under {@code interval} a session end appended during a checkpoint waits in the write buffer; the checkpoint's
     * force of what its walk saw hands that buffer to the file first. If that flush fails, the end never reaches the
     * file: the checkpoint must not count the force as covering it and install a snapshot that leaves the session
     * out, or the segment holding the session's start is deleted and the session is gone, start and end alike.
     */
    @Test
    void aSessionEndWhoseBufferedWriteFailsDuringACheckpointLeavesTheSessionLive() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        WalOptions options = WalOptions.defaults(directory).withSync(SyncPolicy.INTERVAL).withSegmentBytes(64 * 1024)
                .withCheckpoints(0, Duration.ZERO);
        LogEntry start = anyStart();
        LogEntry end = LogEntry.sessionFinished(start.sessionId(), flow, "mark", "");
        FileWriteAheadLog log = new FileWriteAheadLog(options, disk.opener());
        try {
            log.append(start);
            log.checkpoint(); // nothing in the buffer from here on: the start is in a file
            AtomicBoolean ended = new AtomicBoolean();
            disk.beforeOpen = file -> {
                // the checkpoint rolled and is about to write its snapshot: the session ends now, into the buffer
                if (file.getFileName().toString().endsWith(".tmp") && ended.compareAndSet(false, true)) {
                    try {
                        log.appendUnforced(List.of(end));
                    } catch (WriteAheadLogException e) {
                        throw new IOException(e);
                    }
                }
            };
            disk.beforeForce = file -> {
                if (file.getFileName().toString().endsWith(".tmp")) {
                    disk.bytesLeft = 0; // the snapshot is written; the disk is full when the buffer goes out
                }
            };
            try {
                log.checkpoint();
            } catch (WriteAheadLogException e) {
                // allowed: the log failed under the checkpoint
            }
            assertTrue(ended.get(), "the end was appended during the checkpoint");
        } finally {
            try {
                log.close();
            } catch (WriteAheadLogException e) {
                // a failed log says so on close
            }
        }
        try (FileWriteAheadLog reopened = open(options)) {
            boolean live = sessionsOf(reopened.liveEntries()).contains(start.sessionId());
            boolean endThere = plain(reopened.entries()).contains(end);
            assertTrue(live || endThere, "the session is still live, or its end is there: " + plain(reopened.entries()));
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
}
