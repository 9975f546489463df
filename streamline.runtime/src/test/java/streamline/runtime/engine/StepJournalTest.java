package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * A log left while steps still run (the quiesce of a forced detach timed out): once the journal stopped using it,
 * no write of a running step is in progress there or lands there later, so the entries read from it then for the
 * next log are all it holds.
 */
class StepJournalTest {

    /** A log whose next write blocks until released; records what it took. */
    static final class SlowLog implements WriteAheadLog {
        final List<LogEntry> taken = new CopyOnWriteArrayList<>();
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public long append(LogEntry entry) throws WriteAheadLogException {
            return appendAll(List.of(entry));
        }

        @Override
        public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
            writing.countDown();
            try {
                release.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WriteAheadLogException("interrupted", e);
            }
            taken.addAll(entries);
            return taken.size();
        }

        @Override
        public List<LogEntry> entries() {
            return List.copyOf(taken);
        }

        @Override
        public List<LogEntry> liveEntries() {
            return List.copyOf(taken);
        }
    }

    private static LogEntry entry() {
        return LogEntry.stepCompleted(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "A", "", Map.of(), "|", 0);
    }

    @Test
    void aLogLeftWhileAStepWritesIsLeftOnlyOnceTheWriteIsDoneAndGetsNoLaterWrite() throws Exception {
        StepJournal journal = new StepJournal(Duration.ofMillis(50));
        SlowLog leaving = new SlowLog();
        journal.use(leaving);
        journal.stepStarts();
        Thread step = new Thread(() -> {
            try {
                journal.appendInside(List.of(entry()));
            } catch (WriteAheadLogException e) {
                throw new AssertionError(e);
            }
        }, "step");
        step.start();
        assertTrue(leaving.writing.await(10, TimeUnit.SECONDS), "the step writes");

        journal.forceClose(); // the quiesce timed out: the step still runs
        Thread detaching = new Thread(() -> journal.use(null), "detaching");
        detaching.start();
        detaching.join(300);
        assertTrue(detaching.isAlive(), "the log is left only once the write in progress is done");
        leaving.release.countDown();
        detaching.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(detaching.isAlive());
        step.join(TimeUnit.SECONDS.toMillis(10));
        assertEquals(1, leaving.liveEntries().size(), "the write done before the log was left is in what is read from it");

        // a later write of the running step waits for the next log instead of landing in the one left
        assertThrows(WriteAheadLogException.class, () -> journal.appendInside(List.of(entry())));
        assertThrows(WriteAheadLogException.class, () -> journal.appendUnforced(List.of(entry()), false));
        assertEquals(1, leaving.taken.size());
    }
}
