package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

/**
 * {@code force()} makes what was appended unforced durable: what a log left by its writer (a swap to another log) needs,
 * since no later append of theirs forces it. A force that fails is reported, and fails the log as an append's does.
 */
class ForceTest extends LogTestSupport {

    @Test
    void underAlwaysASessionEndAppendedUnforcedThenForcedSurvivesAPowerLoss() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        LogEntry start = anyStart();
        UUID ended = start.sessionId();
        LogEntry otherStart = anyStart();
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener())) {
            log.appendAll(List.of(start, otherStart));
            log.appendUnforced(List.of(LogEntry.sessionFinished(ended, flow, null, null)));
            log.force();
            Path copy = directory.resolveSibling(directory.getFileName() + "-after-power-loss");
            disk.powerLossCopy(directory, copy);
            try (FileWriteAheadLog after = FileWriteAheadLog.open(copy, "always")) {
                assertEquals(Set.of(otherStart.sessionId()), sessionsOf(after.liveEntries()),
                        "the forced end keeps its session finished; the other session stays live");
            }
        }
    }

    @Test
    void aFailedForceIsReportedAndTheLogRefusesAppendsAfterIt() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener());
        LogEntry start = anyStart();
        log.append(start);
        long unforced = log.appendUnforced(List.of(LogEntry.sessionFinished(start.sessionId(), flow, null, null)));
        disk.failForce = true;
        assertThrows(WriteAheadLogException.class, log::force);
        assertTrue(log.whenDurable(unforced).toCompletableFuture().isCompletedExceptionally(), "never reported durable");
        disk.failForce = false;
        assertThrows(WriteAheadLogException.class, log::force, "a failed log forces nothing more");
        assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
        assertThrows(WriteAheadLogException.class, log::close, "the failure is reported at close too");
    }

    @Test
    void aClosedLogRefusesToForce() throws Exception {
        FileWriteAheadLog log = FileWriteAheadLog.open(directory, "always");
        log.appendUnforced(List.of(anyStart()));
        log.close();
        assertThrows(WriteAheadLogException.class, log::force);
    }

    @Test
    void underNeverItHandsThemToTheOs() throws Exception {
        try (FileWriteAheadLog log = new FileWriteAheadLog(unsynced())) {
            long unforced = log.appendUnforced(List.of(anyStart()));
            log.force();
            assertTrue(log.whenDurable(unforced).toCompletableFuture().isDone(), "as durable as the policy makes anything");
        }
    }
}
