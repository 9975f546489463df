package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import streamline.api.wal.WriteAheadLogException;

/** {@code whenDurable} completes when the entry's bytes are forced, not when its append returns, and fails with the log. */
class WhenDurableTest extends LogTestSupport {

    /** No interval force comes during a test. */
    private static final Duration NO_FORCE = Duration.ofHours(1);

    private static WalOptions interval(java.nio.file.Path directory) {
        WalOptions defaults = WalOptions.defaults(directory);
        return new WalOptions(directory, SyncPolicy.INTERVAL, NO_FORCE, defaults.segmentBytes(), 0, Duration.ZERO);
    }

    @Test
    void underIntervalAnAppendIsDurableOnlyOnceAForceCoversIt() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        try (FileWriteAheadLog log = new FileWriteAheadLog(interval(directory), disk.opener())) {
            long first = log.appendAll(List.of(anyStart()));
            CompletableFuture<Void> durable = log.whenDurable(first).toCompletableFuture();
            assertFalse(durable.isDone(), "returned, but not forced");
            log.checkpoint(); // rolls: forces the segment
            assertTrue(durable.isDone() && !durable.isCompletedExceptionally());
            long second = log.appendAll(List.of(anyStart()));
            assertFalse(log.whenDurable(second).toCompletableFuture().isDone());
            assertTrue(log.whenDurable(first).toCompletableFuture().isDone(), "an entry forced before stays durable");
        }
    }

    @Test
    void theIntervalForceCompletesThem() throws Exception {
        WalOptions options = interval(directory);
        options = new WalOptions(directory, SyncPolicy.INTERVAL, Duration.ofMillis(20), options.segmentBytes(), 0, Duration.ZERO);
        try (FileWriteAheadLog log = new FileWriteAheadLog(options)) {
            long sequence = log.appendUnforced(List.of(anyStart()));
            log.whenDurable(sequence).toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void underAlwaysAForcedAppendIsDurableAtOnceAndAnUnforcedOneWithTheNextForce() throws Exception {
        try (FileWriteAheadLog log = FileWriteAheadLog.open(directory, "always")) {
            long forced = log.appendAll(List.of(anyStart()));
            assertTrue(log.whenDurable(forced).toCompletableFuture().isDone());
            long unforced = log.appendUnforced(List.of(anyStart()));
            CompletableFuture<Void> durable = log.whenDurable(unforced).toCompletableFuture();
            assertFalse(durable.isDone());
            log.append(anyStart());
            assertTrue(durable.isDone() && !durable.isCompletedExceptionally(), "the next forced append forced it too");
        }
    }

    @Test
    void aFailedForceFailsTheWaitsItDidNotCover() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory), disk.opener());
        long unforced = log.appendUnforced(List.of(anyStart()));
        CompletableFuture<Void> durable = log.whenDurable(unforced).toCompletableFuture();
        disk.failForce = true;
        assertThrows(WriteAheadLogException.class, () -> log.append(anyStart()));
        assertTrue(durable.isCompletedExceptionally(), "the entry's fate is unknown: never reported durable");
        ExecutionException failure = assertThrows(ExecutionException.class, durable::get);
        assertTrue(failure.getCause() instanceof WriteAheadLogException, failure.toString());
        assertTrue(log.whenDurable(unforced + 1).toCompletableFuture().isCompletedExceptionally(),
                "asked after the failure: failed at once");
        assertThrows(WriteAheadLogException.class, log::close, "the failure is reported at close too");
    }

    @Test
    void aCleanCloseForcesThemAndWhatTheFilesHoldIsDurableAfterReopening() throws Exception {
        long sequence;
        CompletableFuture<Void> durable;
        try (FileWriteAheadLog log = new FileWriteAheadLog(interval(directory))) {
            sequence = log.appendUnforced(List.of(anyStart()));
            durable = log.whenDurable(sequence).toCompletableFuture();
            assertFalse(durable.isDone());
        }
        assertTrue(durable.isDone() && !durable.isCompletedExceptionally(), "the close forced it");
        try (FileWriteAheadLog log = new FileWriteAheadLog(interval(directory))) {
            assertTrue(log.whenDurable(sequence).toCompletableFuture().isDone());
        }
    }
}
