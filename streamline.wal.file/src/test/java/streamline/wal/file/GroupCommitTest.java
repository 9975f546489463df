package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.Eventually;

/** Forces: shared by concurrent appenders, survived interrupts, failures that stop the log. */
class GroupCommitTest extends LogTestSupport {

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
    void aDurableAppendWrittenInAnUnforcedAppendersTurnIsStillForced() throws Exception {
        try (FileWriteAheadLog log = FileWriteAheadLog.open(directory, "always")) {
            AppendQueue queue = log.appendQueue();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                // the write lock held, so that the unforced append queues first and the durable one behind it
                queue.lock();
                Future<?> unforced;
                Future<Long> durable;
                try {
                    unforced = pool.submit(() -> log.appendUnforced(List.of(anyStart())));
                    Eventually.await("the unforced append queued", Duration.ofSeconds(10), () -> queue.waiting() == 1);
                    durable = pool.submit(() -> log.append(anyStart()));
                    Eventually.await("the durable append queued behind it", Duration.ofSeconds(10), () -> queue.waiting() == 2);
                } finally {
                    queue.unlock(); // wakes the unforced appender, whose turn writes both and forces nothing
                }
                unforced.get(10, TimeUnit.SECONDS);
                // no other append comes: the durable appender must lead its own force rather than sleep for one
                durable.get(10, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
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
            long turns = log.periodicTurnsEnded();
            Eventually.await("ten timer periods", Duration.ofSeconds(10), () -> log.periodicTurnsEnded() >= turns + 10);
            assertEquals(afterForce, disk.forces, "an idle log is not forced again");
            assertEquals(4, log.liveEntries().size());
        }
    }

    @Test
    void aFailedForceStopsTheLogFromAcknowledgingAnything() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener());
        log.append(anyStart());
        disk.failForce = true;
        WriteAheadLogException e = assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
        assertTrue(e.getMessage().contains("fsync"), e.getMessage());
        disk.failForce = false;
        WriteAheadLogException later = assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
        assertTrue(later.getMessage().contains("failed earlier"), later.getMessage());
        assertThrows(WriteAheadLogException.class, log::close, "the close says the log failed");
    }

    /**
     * An append whose force failed threw; its record, written before the force, is cut off the segment, so it is
     * read back neither now nor after a restart (the engine released what it referred to when the append threw).
     */
    @Test
    void anAppendWhoseForceFailedNeverComesBack() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        LogEntry kept = anyStart();
        FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener());
        log.append(kept);
        disk.failingForces = 1;
        assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
        assertEquals(List.of(kept), plain(log.entries()), "the failed append is not read back");
        assertThrows(WriteAheadLogException.class, log::close);
        try (FileWriteAheadLog reopened = open(WalOptions.defaults(directory))) {
            assertEquals(List.of(kept), plain(reopened.entries()), "nor does it come back after a restart");
        }
    }

    /**
     * A session end whose force failed is cut off with it, so the session is live again; the failed log's index,
     * which counted the end when it was written, no longer tells the live entries, so it refuses to, rather than
     * leave that session out (of a switch to another log, say). Reopened, the log reads it from the files.
     */
    @Test
    void aSessionEndWhoseForceFailedLeavesTheSessionLive() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        LogEntry start = anyStart();
        FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener());
        log.append(start);
        disk.failingForces = 1;
        assertThrows(WriteAheadLogException.class, () -> log.recordSessionFinished(start.sessionId(), flow, "", ""));
        WriteAheadLogException refused = assertThrows(WriteAheadLogException.class, log::liveEntries);
        assertTrue(refused.getMessage().contains("reopen it"), refused.getMessage());
        assertThrows(WriteAheadLogException.class, log::close);
        try (FileWriteAheadLog reopened = open(WalOptions.defaults(directory))) {
            assertEquals(List.of(start), plain(reopened.liveEntries()));
        }
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

    /**
     * A force made more durable than it counted (the fsync of a leader covers what was written while it ran), then the
     * next force failed: the cut of the appends it did not cover must be forced itself. Left to the disk's cache, a
     * power loss undoes the cut, and an append whose appender was told it failed comes back at the next opening.
     */
    @Test
    void theCutAfterAFailedForceSurvivesAPowerLoss() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        disk.truncatesDurableOnlyWhenForced = true;
        LogEntry kept = anyStart();
        LogEntry first = anyStart();
        LogEntry failed = anyStart();
        FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener());
        log.append(kept);
        java.util.concurrent.CountDownLatch leaderForcing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch followerWritten = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger segmentForces = new java.util.concurrent.atomic.AtomicInteger();
        disk.beforeForce = file -> {
            if (!file.getFileName().toString().startsWith("segment-")) {
                return;
            }
            int force = segmentForces.incrementAndGet();
            if (force == 1) {
                // the leader of the first append forces once the follower's record is written: that fsync covers both
                leaderForcing.countDown();
                try {
                    followerWritten.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (force == 2) {
                throw new java.io.IOException("Input/output error (fsync)"); // the follower's own force
            }
        };
        ExecutorService appenders = Executors.newFixedThreadPool(2);
        try {
            Future<Long> leader = appenders.submit(() -> log.append(first));
            assertTrue(leaderForcing.await(30, TimeUnit.SECONDS), "the leader forces");
            long writtenBefore = disk.written.values().stream().mapToLong(Long::longValue).sum();
            Future<Long> follower = appenders.submit(() -> log.append(failed));
            Eventually.await("the follower's record written", Duration.ofSeconds(30),
                    () -> disk.written.values().stream().mapToLong(Long::longValue).sum() > writtenBefore, disk.written::toString);
            followerWritten.countDown();
            leader.get(30, TimeUnit.SECONDS);
            java.util.concurrent.ExecutionException told = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> follower.get(30, TimeUnit.SECONDS));
            assertTrue(told.getCause() instanceof WriteAheadLogException, told.getCause().toString());
        } finally {
            appenders.shutdownNow();
        }
        Path afterPowerLoss = directory.resolveSibling(directory.getFileName() + "-power-loss");
        disk.powerLossCopy(directory, afterPowerLoss);
        assertThrows(WriteAheadLogException.class, log::close);
        try (FileWriteAheadLog reopened = open(WalOptions.defaults(afterPowerLoss))) {
            assertEquals(List.of(kept, first), plain(reopened.entries()), "the append told it failed does not come back");
        }
    }
}
