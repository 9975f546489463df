package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.Eventually;

/** The log as a whole: one log a directory, opening and closing. */
class FileWriteAheadLogTest extends LogTestSupport {

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

    /**
     * {@code sync=never} flushes its buffer every {@code sync.interval.ms}: zero is refused with the key and the
     * rule before the directory is locked, and the corrected value opens the log (no "in use by another log").
     */
    @Test
    void aZeroSyncIntervalIsRefusedByNameAndLeavesTheDirectoryFree() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> open(new WalOptions(directory, SyncPolicy.NEVER, Duration.ZERO, 64L << 20, 0, Duration.ZERO)));
        String message = String.valueOf(e.getMessage());
        assertTrue(message.contains("sync.interval.ms") && message.contains("at least 1"), message);
        try (FileWriteAheadLog log = open(new WalOptions(directory, SyncPolicy.NEVER, Duration.ofMillis(5), 64L << 20, 0,
                Duration.ZERO))) {
            log.append(anyStart());
        }
    }

    /** The operator's view of the same mistake: the component's configuration, refused with the PID, the key and the rule. */
    @Test
    void theComponentRefusesAZeroSyncIntervalNamingThePidAndTheKey() {
        FileWalConfig config = (FileWalConfig) Proxy.newProxyInstance(FileWalConfig.class.getClassLoader(),
                new Class<?>[] {FileWalConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "sync" -> "never";
                    case "sync_interval_ms" -> 0L;
                    case "directory" -> directory.toString();
                    default -> method.getDefaultValue();
                });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileWalComponent.options(config, null));
        assertTrue(e.getMessage().startsWith("invalid configuration of streamline.wal.file: sync.interval.ms must be at least 1"),
                e.getMessage());
    }

    /** Whatever an opening throws after the directory is locked, an Error included, the lock is released. */
    @Test
    void aFailedOpenReleasesTheDirectoryWhateverItThrows() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        disk.beforeOpen = file -> {
            throw new OutOfMemoryError("Direct buffer memory");
        };
        assertThrows(OutOfMemoryError.class, () -> new FileWriteAheadLog(unsynced(), disk.opener()));
        try (FileWriteAheadLog log = open(unsynced())) {
            log.append(anyStart());
            assertEquals(1, log.entries().size());
        }
    }

    /**
     * Under {@code interval}, appends return before they are forced; once a force failed, the log refuses
     * appends, and its close must say that the last ones were never forced rather than report success.
     */
    @Test
    void closingALogWhoseForceFailedReportsIt() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        WalOptions often = new WalOptions(directory, SyncPolicy.INTERVAL, Duration.ofMillis(20), 64L << 20, 0, Duration.ZERO);
        FileWriteAheadLog log = new FileWriteAheadLog(often, disk.opener());
        disk.failForce = true;
        log.append(anyStart()); // acknowledged, to be forced by the timer, whose force fails
        Eventually.await("the interval force failed", Duration.ofSeconds(10), () -> {
            try {
                log.append(anyStart());
                return false;
            } catch (WriteAheadLogException e) {
                return e.getMessage().contains("failed earlier");
            }
        });
        WriteAheadLogException e = assertThrows(WriteAheadLogException.class, log::close);
        assertTrue(e.getMessage().contains(directory.toString()) && e.getMessage().contains("fsync"), e.getMessage());
        log.close(); // closed once and for all: a second close has nothing to report
    }

    /**
     * An append whose bytes are written and forced while the log closes returns its sequence: the checkpoint it
     * asks for cannot run on the stopped background, which is no failure of the append.
     */
    @Test
    void anAppendForcedWhileTheLogClosesReturnsAndIsKept() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        WalOptions options = WalOptions.defaults(directory).withSegmentBytes(64 * 1024).withCheckpoints(1, Duration.ZERO);
        FileWriteAheadLog log = new FileWriteAheadLog(options, disk.opener());
        CountDownLatch appendForcing = new CountDownLatch(1);
        CountDownLatch closeForcing = new CountDownLatch(1);
        disk.beforeForce = file -> {
            if (WalFiles.segmentNumber(file.getFileName().toString()) < 0) {
                return;
            }
            if (appendForcing.getCount() > 0) {
                appendForcing.countDown();
                try {
                    closeForcing.await(30, TimeUnit.SECONDS); // the append's force ends after the close stopped the background
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            } else {
                closeForcing.countDown();
            }
        };
        LogEntry entry = anyStart();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Long> append = pool.submit(() -> log.append(entry));
            assertTrue(appendForcing.await(30, TimeUnit.SECONDS));
            log.close();
            assertTrue(append.get(30, TimeUnit.SECONDS) > 0, "the append returned its sequence");
        } finally {
            pool.shutdownNow();
        }
        try (FileWriteAheadLog reopened = open(options)) {
            assertEquals(List.of(entry), plain(reopened.entries()));
        }
    }

    /**
     * A roll takes the spare by renaming it to the next segment's name; if opening that file then fails, the
     * file must go again, or every later roll to that number would fail until a restart.
     */
    @Test
    void aFailedOpenOfTheSpareTakenForTheNextSegmentDoesNotBlockLaterRolls() throws Exception {
        FailingChannel.Disk disk = new FailingChannel.Disk();
        WalOptions options = WalOptions.defaults(directory).withSegmentBytes(4096).withCheckpoints(0, Duration.ZERO);
        try (FileWriteAheadLog log = new FileWriteAheadLog(options, disk.opener())) {
            log.append(anyStart());
            Eventually.await("a spare ready", Duration.ofSeconds(10), log::spareReady);
            disk.beforeOpen = file -> {
                if (WalFiles.segmentNumber(file.getFileName().toString()) >= 0) {
                    throw new IOException("Too many open files");
                }
            };
            WriteAheadLogException failed = null;
            for (int i = 0; i < 100 && failed == null; i++) {
                try {
                    log.append(anyStart());
                } catch (WriteAheadLogException e) {
                    failed = e;
                }
            }
            assertTrue(failed != null && failed.getMessage().contains("Too many open files"), String.valueOf(failed));
            disk.beforeOpen = file -> { };
            log.append(anyStart()); // rolls to the same number again
        }
    }
}
