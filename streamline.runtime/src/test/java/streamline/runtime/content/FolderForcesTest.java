package streamline.runtime.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import streamline.testkit.Eventually;

class FolderForcesTest {

    private final Path folder = Path.of("/outbox");

    @Test
    void writersWhoseChangesCameBeforeAForceBeganShareTheNextOne() throws Exception {
        CountDownLatch firstForceStarted = new CountDownLatch(1);
        CountDownLatch firstForceMayEnd = new CountDownLatch(1);
        AtomicInteger forces = new AtomicInteger();
        FolderForces forcesOfFolders = new FolderForces(f -> {
            if (forces.incrementAndGet() == 1) {
                firstForceStarted.countDown();
                try {
                    firstForceMayEnd.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            Future<?> first = writers.submit(() -> force(forcesOfFolders));
            assertTrue(firstForceStarted.await(10, TimeUnit.SECONDS));
            // three writers whose renames came after the first force began: it cannot cover them
            List<Future<?>> later = List.of(writers.submit(() -> force(forcesOfFolders)), writers.submit(() -> force(forcesOfFolders)),
                    writers.submit(() -> force(forcesOfFolders)));
            Eventually.await("the three waiting for a force, the first inside one", Duration.ofSeconds(10),
                    () -> threadsInsideForce() == 4, FolderForcesTest::threadsInsideForce);
            firstForceMayEnd.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (Future<?> writer : later) {
                writer.get(10, TimeUnit.SECONDS);
            }
            assertEquals(2, forces.get(), "one force for the first writer, one shared by the three that came during it");
            assertEquals(0, forcesOfFolders.foldersInUse(), "an idle folder's group is not kept");
        } finally {
            writers.shutdownNow();
        }
    }

    /** Threads waiting in a folder's force: for one to end, or, the leader, inside it. */
    private static long threadsInsideForce() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(thread -> thread.getKey().getState() == Thread.State.WAITING)
                .filter(thread -> List.of(thread.getValue()).stream()
                        .anyMatch(frame -> frame.getClassName().endsWith("FolderForces$Group") && frame.getMethodName().equals("force")))
                .count();
    }

    private Void force(FolderForces forcesOfFolders) throws IOException, InterruptedException {
        forcesOfFolders.force(folder);
        return null;
    }

    @Test
    void aFailedForceFailsItsLeaderAndAWaiterLeadsTheNextAttempt() throws Exception {
        List<String> attempts = new CopyOnWriteArrayList<>();
        FolderForces failingOnce = new FolderForces(f -> {
            attempts.add("force");
            if (attempts.size() == 1) {
                throw new IOException("disk gone");
            }
        });
        IOException failed = assertThrows(IOException.class, () -> failingOnce.force(folder));
        assertEquals("disk gone", failed.getMessage());
        failingOnce.force(folder); // not covered by the failed force: it forces again
        assertEquals(2, attempts.size());
    }
}
