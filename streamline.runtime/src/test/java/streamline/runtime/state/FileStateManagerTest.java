package streamline.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.state.StateException;
import streamline.api.state.StateScope;

class FileStateManagerTest {

    @TempDir
    Path directory;

    private final ObjectMapper json = new ObjectMapper();

    private FileStateManager open() {
        return new FileStateManager(directory, "owner", json);
    }

    @Test
    void perKeyUpdatesAreJournaledAndReadBackAfterAReopen() throws Exception {
        FileStateManager state = open();
        state.set(StateScope.LOCAL, Map.of("a", "1", "b", "2"));
        state.put(StateScope.LOCAL, "c", "3");
        state.remove(StateScope.LOCAL, "a");
        state.update(StateScope.LOCAL, Map.of("d", "4", "b", "22"), Set.of("c", "d"));
        Map<String, String> expected = Map.of("b", "22", "d", "4");
        assertEquals(expected, state.get(StateScope.LOCAL), "a key both set and removed is set");
        assertEquals(3, Files.readAllLines(directory.resolve("owner.local.journal")).size(), "a line per update");
        assertEquals(expected, open().get(StateScope.LOCAL));
        assertEquals(Map.of(), open().get(StateScope.CLUSTER));
    }

    @Test
    void aTornLastLineIsCutOffAndLaterUpdatesAreKept() throws Exception {
        FileStateManager state = open();
        state.put(StateScope.LOCAL, "kept", "yes");
        Path journal = directory.resolve("owner.local.journal");
        Files.writeString(journal, "{\"g\":0,\"put\":{\"torn", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        FileStateManager reopened = open();
        assertEquals(Map.of("kept", "yes"), reopened.get(StateScope.LOCAL));
        reopened.put(StateScope.LOCAL, "after", "too");
        assertEquals(Map.of("kept", "yes", "after", "too"), open().get(StateScope.LOCAL), "an update after the cut is read back");
    }

    @Test
    void anUpdateWhoseWriteFailsHalfWayLosesNoUpdateAcknowledgedAfterIt() throws Exception {
        FullDiskChannel.Disk disk = new FullDiskChannel.Disk();
        FileStateManager state = new FileStateManager(directory, "owner", json, disk.opener());
        state.put(StateScope.LOCAL, "before", "1");
        disk.bytesLeft = 10;
        assertThrows(StateException.class, () -> state.put(StateScope.LOCAL, "failed", "x".repeat(100)));
        disk.bytesLeft = Long.MAX_VALUE;
        state.put(StateScope.LOCAL, "after", "2");
        assertEquals(Map.of("before", "1", "after", "2"), open().get(StateScope.LOCAL), "the update after the failed one is kept");

        // the cut itself fails too: the next line is written over the fragment
        disk.bytesLeft = 10;
        disk.failTruncate = true;
        assertThrows(StateException.class, () -> state.put(StateScope.LOCAL, "failed", "y".repeat(100)));
        disk.bytesLeft = Long.MAX_VALUE;
        disk.failTruncate = false;
        state.put(StateScope.LOCAL, "later", "3");
        state.put(StateScope.LOCAL, "last", "4");
        assertEquals(Map.of("before", "1", "after", "2", "later", "3", "last", "4"), open().get(StateScope.LOCAL));
    }

    @Test
    void anUpdateWhoseWriteMetAnInterruptNeverComesBackAfterARestart() throws Exception {
        FullDiskChannel.Disk disk = new FullDiskChannel.Disk();
        FileStateManager state = new FileStateManager(directory, "owner", json, disk.opener());
        state.put(StateScope.LOCAL, "before", "1");
        // the JDK writes the whole line, then closes the channel and throws: the cut must not use that closed channel
        disk.interruptNextWrite = true;
        try {
            assertThrows(StateException.class, () -> state.put(StateScope.LOCAL, "failed", "x".repeat(100)));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt stays the caller's");
        } finally {
            Thread.interrupted();
        }
        assertEquals(Map.of("before", "1"), state.get(StateScope.LOCAL));
        assertEquals(Map.of("before", "1"), open().get(StateScope.LOCAL), "an update that threw is not read back after a restart");
        state.put(StateScope.LOCAL, "after", "2");
        assertEquals(Map.of("before", "1", "after", "2"), open().get(StateScope.LOCAL));
    }

    @Test
    void anInterruptDuringAnUpdateNeitherFailsAnUpdateItAppliedNorLosesIt() throws Exception {
        FullDiskChannel.Disk disk = new FullDiskChannel.Disk();
        FileStateManager state = new FileStateManager(directory, "owner", json, disk.opener());
        state.put(StateScope.LOCAL, "before", "1");
        // the line is written; the interrupt meets the force that makes it durable
        disk.interruptAfterNextWrite = true;
        boolean interrupted;
        try {
            state.put(StateScope.LOCAL, "during", "2");
        } finally {
            interrupted = Thread.interrupted();
        }
        assertTrue(interrupted, "the interrupt stays the caller's");
        assertEquals(Map.of("before", "1", "during", "2"), state.get(StateScope.LOCAL));
        assertEquals(Map.of("before", "1", "during", "2"), open().get(StateScope.LOCAL));
    }

    @Test
    void aFoldThatCannotBeWrittenNeverFailsTheUpdateItFollows() throws Exception {
        FileStateManager state = open();
        state.put(StateScope.LOCAL, "before", "1");
        // the fold's temporary snapshot cannot be made (a directory in its place; a full disk does the same)
        Path temporary = Files.createDirectory(directory.resolve("owner.local.json.tmp"));
        String large = "x".repeat(70 * 1024); // the journal grows past the size that folds it
        state.put(StateScope.LOCAL, "large", large);
        assertEquals(Map.of("before", "1", "large", large), state.get(StateScope.LOCAL));
        assertEquals(Map.of("before", "1", "large", large), open().get(StateScope.LOCAL), "the update is in the journal");
        Files.delete(temporary);
        state.put(StateScope.LOCAL, "after", "2"); // folds now
        assertTrue(Files.notExists(directory.resolve("owner.local.journal")), "folded into the snapshot");
        assertEquals(Map.of("before", "1", "large", large, "after", "2"), open().get(StateScope.LOCAL));
    }

    @Test
    void aBrokenLineBeforeOthersIsSkippedAndTheLinesAfterItAreKept() throws Exception {
        FileStateManager state = open();
        state.put(StateScope.LOCAL, "first", "1");
        Path journal = directory.resolve("owner.local.journal");
        String first = Files.readString(journal, StandardCharsets.UTF_8);
        // a fragment a crash left before it was cut off, a line written right after it, a damaged line, a good one
        Files.writeString(journal, first + "{\"g\":0,\"put\":{\"torn" + "{\"g\":0,\"put\":{\"second\":\"2\"},\"remove\":[]}\n"
                + "{\"g\":0,\"put\":{\"x\":\"1\"}}#damaged\n" + "{\"g\":0,\"put\":{\"third\":\"3\"},\"remove\":[\"first\"]}\n",
                StandardCharsets.UTF_8);
        assertEquals(Map.of("second", "2", "third", "3"), open().get(StateScope.LOCAL));
    }

    @Test
    void linesLeftFromBeforeASnapshotAreSkippedAndAGrowingJournalIsFolded() throws Exception {
        FileStateManager state = open();
        state.put(StateScope.LOCAL, "old", "1");
        byte[] oldJournal = Files.readAllBytes(directory.resolve("owner.local.journal"));
        state.set(StateScope.LOCAL, Map.of("fresh", "2"));
        // a crash between the new snapshot and the journal's removal: the old line is still there
        Files.write(directory.resolve("owner.local.journal"), oldJournal);
        assertEquals(Map.of("fresh", "2"), open().get(StateScope.LOCAL));

        FileStateManager many = open();
        Map<String, String> expected = new HashMap<>(Map.of("fresh", "2"));
        for (int i = 0; i < 3000; i++) {
            many.put(StateScope.LOCAL, "file-" + i, "failed:2048:" + i);
            expected.put("file-" + i, "failed:2048:" + i);
        }
        long journalBytes = Files.exists(directory.resolve("owner.local.journal"))
                ? Files.size(directory.resolve("owner.local.journal")) : 0;
        assertTrue(journalBytes <= Math.max(64 * 1024, Files.size(directory.resolve("owner.local.json"))) + 200,
                "the journal is folded into the snapshot as it grows: " + journalBytes + " bytes");
        assertEquals(expected, open().get(StateScope.LOCAL));
    }

    @Test
    void aStateOfTheFormatBeforeJournalsIsRead() throws Exception {
        Files.writeString(directory.resolve("owner.local.json"), "{\"state\":\"s\",\"generation\":\"7\"}");
        FileStateManager state = open();
        assertEquals(Map.of("state", "s", "generation", "7"), state.get(StateScope.LOCAL));
        state.put(StateScope.LOCAL, "new", "n");
        assertEquals(Map.of("state", "s", "generation", "7", "new", "n"), open().get(StateScope.LOCAL));
    }

    @Test
    void concurrentUpdatesAreAllKept() throws Exception {
        FileStateManager state = open();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        state.put(StateScope.LOCAL, thread + "-" + i, "v");
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(800, open().get(StateScope.LOCAL).size());
    }
}
