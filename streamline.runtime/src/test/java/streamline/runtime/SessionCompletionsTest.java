package streamline.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.wal.file.FileWriteAheadLog;

/** Sessions' last writes handed in while one is being written share one write and one force of each folder. */
class SessionCompletionsTest {

    @TempDir
    Path directory;

    private FileWriteAheadLog file;
    private WalFailureTest.FullDiskLog log;
    private StepJournal journal;
    private final List<Path> forced = new CopyOnWriteArrayList<>();
    private SessionCompletions completions;
    private final ExecutorService threads = Executors.newCachedThreadPool();
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
        }));
    }

    @AfterEach
    void close() throws Exception {
        threads.shutdownNow();
        file.close();
    }

    private static List<LogEntry> end() {
        return List.of(LogEntry.sessionFinished(UUID.randomUUID(), UUID.randomUUID(), "mark", ""));
    }

    /** A completion that records what became of it; written alone, it writes its entries itself. */
    private SessionCompletions.Completion completion(String name, Set<Path> folders, Runnable beforeAlone) {
        List<LogEntry> entries = end();
        return new SessionCompletions.Completion(entries, folders, () -> outcomes.put(name, "logged"), () -> {
            beforeAlone.run();
            try {
                journal.appendInside(entries);
            } catch (WriteAheadLogException e) {
                throw new IllegalStateException(e);
            }
            outcomes.put(name, "alone");
        }, reason -> outcomes.put(name, reason));
    }

    /** Starts a leader whose own write waits until {@code release}; returns once it is waiting. */
    private Future<?> busyLeader(Set<Path> folders, CountDownLatch release) throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        Future<?> leader = threads.submit(() -> completions.complete(completion("leader", folders, () -> {
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })));
        assertTrue(writing.await(10, TimeUnit.SECONDS), "the leader writes");
        return leader;
    }

    @Test
    void completionsHandedInDuringAWriteShareTheNextWriteAndOneForceOfEachFolder() throws Exception {
        Path out = Files.createDirectories(directory.resolve("out"));
        Path other = Files.createDirectories(directory.resolve("other"));
        CountDownLatch release = new CountDownLatch(1);
        Future<?> leader = busyLeader(Set.of(out), release);
        int writesBefore = log.writes.size();
        List<Future<?>> handedIn = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Set<Path> folders = i == 0 ? Set.of(out, other) : Set.of(out);
            String name = "c" + i;
            handedIn.add(threads.submit(() -> completions.complete(completion(name, folders, () -> { }))));
        }
        for (Future<?> f : handedIn) {
            f.get(10, TimeUnit.SECONDS); // handing in does not wait for the leader's write
        }
        assertEquals(writesBefore, log.writes.size(), "nothing written while the leader's write is in progress");
        assertEquals(List.of(out), forced, "only the leader's folder forced so far");

        release.countDown();
        leader.get(10, TimeUnit.SECONDS);
        assertEquals("alone", outcomes.get("leader"));
        for (int i = 0; i < 5; i++) {
            assertEquals("logged", outcomes.get("c" + i), "completion c" + i);
        }
        assertEquals(List.of(1, 5), log.writes.subList(writesBefore, log.writes.size()),
                "the leader's write, then the five handed in as one write");
        assertEquals(3, forced.size(), "out for the leader, then out and other once for the five: " + forced);
        assertEquals(Set.of(out, other), Set.copyOf(forced.subList(1, 3)));
        assertEquals(6, file.entries().size(), "every end is in the log");
    }

    @Test
    void aFolderThatCannotBeForcedFailsOnlyTheCompletionsThatNeedIt() throws Exception {
        Path out = Files.createDirectories(directory.resolve("out"));
        Path missing = directory.resolve("missing");
        CountDownLatch release = new CountDownLatch(1);
        Future<?> leader = busyLeader(Set.of(), release);
        threads.submit(() -> completions.complete(completion("good", Set.of(out), () -> { }))).get(10, TimeUnit.SECONDS);
        threads.submit(() -> completions.complete(completion("bad", Set.of(out, missing), () -> { }))).get(10, TimeUnit.SECONDS);
        release.countDown();
        leader.get(10, TimeUnit.SECONDS);

        assertEquals("alone", outcomes.get("good"), "the other completion of the batch, written by itself");
        String reason = outcomes.get("bad");
        assertTrue(reason.contains("its folder " + missing + " could not be forced to disk"), reason);
        assertEquals(2, file.entries().size(), "the leader's end and the good one's; not the unforced one's");
    }

    @Test
    void aSingleCompletionIsWrittenByItsOwnThreadBeforeItReturns() throws Exception {
        completions.complete(completion("only", Set.of(), () -> { }));
        assertEquals("alone", outcomes.get("only"));
        assertEquals(1, file.entries().size());
    }
}
