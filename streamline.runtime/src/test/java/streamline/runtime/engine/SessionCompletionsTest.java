package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.wal.file.FileWriteAheadLog;

import streamline.runtime.content.FolderForces;

/**
 * Sessions' last writes handed in while one is being written share one write and one force of each folder; a
 * completion holds its step's place in the gate until it is written.
 */
class SessionCompletionsTest {

    @TempDir
    Path directory;

    private FileWriteAheadLog file;
    private WalFailureTest.FullDiskLog log;
    private StepJournal journal;
    private final List<Path> forced = new CopyOnWriteArrayList<>();
    private SessionCompletions completions;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ExecutorService committer = Executors.newSingleThreadExecutor();
    /** What became of each completion, by its name: "logged", "alone" or the reason it was not forced. */
    private final Map<String, String> outcomes = new ConcurrentHashMap<>();

    @BeforeEach
    void open() throws Exception {
        file = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        log = new WalFailureTest.FullDiskLog(file);
        journal = new StepJournal(Duration.ofSeconds(5));
        journal.use(log);
        completions = new SessionCompletions(journal, new FolderForces(folder -> {
            forced.add(folder);
            FolderForces.Force.FSYNC.force(folder);
        }), committer);
    }

    @AfterEach
    void close() throws Exception {
        threads.shutdownNow();
        committer.shutdownNow();
        file.close();
    }

    private static List<LogEntry> end() {
        return List.of(LogEntry.sessionFinished(UUID.randomUUID(), UUID.randomUUID(), "mark", ""));
    }

    /** A completion that records what became of it; written alone, it writes its entries itself. */
    private SessionCompletions.Completion completion(String name, Set<Path> folders, Runnable beforeAlone) {
        List<LogEntry> entries = end();
        return new SessionCompletions.Completion(entries, folders, written -> outcomes.put(name, "logged"), () -> {
            beforeAlone.run();
            try {
                journal.appendInside(entries);
            } catch (WriteAheadLogException e) {
                throw new IllegalStateException(e);
            }
            outcomes.put(name, "alone");
        }, reason -> outcomes.put(name, reason));
    }

    /** Hands a completion in as a step does: from inside the gate, whose place the completion takes over. */
    private void handIn(SessionCompletions.Completion completion) throws InterruptedException {
        journal.stepStarts();
        completions.complete(completion);
    }

    /** Hands in a first completion whose write waits until {@code release}; returns once the committer is in it. */
    private void busyCommitter(Set<Path> folders, CountDownLatch release) throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        handIn(completion("first", folders, () -> {
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertTrue(writing.await(10, TimeUnit.SECONDS), "the committer writes the first");
    }

    /** Waits until every completion handed in is written and has left the gate. */
    private void awaitAllWritten() throws Exception {
        journal.quiesce();
        journal.reopen();
    }

    @Test
    void completionsHandedInDuringAWriteShareTheNextWriteAndOneForceOfEachFolder() throws Exception {
        Path out = Files.createDirectories(directory.resolve("out"));
        Path other = Files.createDirectories(directory.resolve("other"));
        CountDownLatch release = new CountDownLatch(1);
        busyCommitter(Set.of(out), release);
        for (int i = 0; i < 5; i++) {
            handIn(completion("c" + i, i == 0 ? Set.of(out, other) : Set.of(out), () -> { })); // returns at once
        }
        assertEquals(List.of(), log.writes, "nothing written while the first write is in progress");
        assertEquals(List.of(out), forced, "only the first one's folder forced so far");
        // a switch of logs waits for them: their steps' places in the gate are held until they are written
        Future<?> quiesce = threads.submit(() -> {
            journal.quiesce();
            return null;
        });
        assertThrows(TimeoutException.class, () -> quiesce.get(300, TimeUnit.MILLISECONDS));

        release.countDown();
        quiesce.get(10, TimeUnit.SECONDS);
        journal.reopen();
        assertEquals("alone", outcomes.get("first"));
        for (int i = 0; i < 5; i++) {
            assertEquals("logged", outcomes.get("c" + i), "completion c" + i);
        }
        assertEquals(List.of(1, 5), log.writes, "the first one's write, then the five handed in as one write");
        assertEquals(3, forced.size(), "out for the first, then out and other once for the five: " + forced);
        assertEquals(Set.of(out, other), Set.copyOf(forced.subList(1, 3)));
        assertEquals(6, file.entries().size(), "every end is in the log");
    }

    @Test
    void aFolderThatCannotBeForcedFailsOnlyTheCompletionsThatNeedIt() throws Exception {
        Path out = Files.createDirectories(directory.resolve("out"));
        Path missing = directory.resolve("missing");
        CountDownLatch release = new CountDownLatch(1);
        busyCommitter(Set.of(), release);
        handIn(completion("good", Set.of(out), () -> { }));
        handIn(completion("bad", Set.of(out, missing), () -> { }));
        release.countDown();
        awaitAllWritten();

        assertEquals("alone", outcomes.get("good"), "the other completion of the batch, written by itself");
        String reason = outcomes.get("bad");
        assertTrue(reason.contains("its folder " + missing + " could not be forced to disk"), reason);
        assertEquals(2, file.entries().size(), "the first one's end and the good one's; not the unforced one's");
    }

    @Test
    void onceTheCommitterTakesNoMoreTasksTheStepWritesItsCompletionItself() throws Exception {
        committer.shutdown();
        handIn(completion("late", Set.of(), () -> { }));
        assertEquals("alone", outcomes.get("late"), "written before handing in returned");
        assertEquals(1, file.entries().size());
        awaitAllWritten();
    }

    @Test
    void anInterruptLeftOnTheCommitterByAnEarlierWriteDropsNoCompletionWhileTheEngineRuns() throws Exception {
        Path out = Files.createDirectories(directory.resolve("out"));
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<LogEntry> firstEntries = end();
        // the first write leaves its thread interrupted, as a fault interrupting a write of the log does
        handIn(new SessionCompletions.Completion(firstEntries, Set.of(), written -> outcomes.put("first", "logged"), () -> {
            writing.countDown();
            try {
                release.await();
                journal.appendInside(firstEntries);
            } catch (InterruptedException | WriteAheadLogException e) {
                throw new IllegalStateException(e);
            }
            outcomes.put("first", "alone");
            Thread.currentThread().interrupt();
        }, reason -> outcomes.put("first", reason)));
        assertTrue(writing.await(10, TimeUnit.SECONDS), "the committer writes the first");
        handIn(completion("next", Set.of(out), () -> { }));
        release.countDown();
        awaitAllWritten();

        assertEquals("alone", outcomes.get("first"));
        assertEquals("alone", outcomes.get("next"), "the completion after the interrupted write is written, not dropped");
        assertEquals(2, file.entries().size(), "both ends are in the log");
    }
}
