package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.processor.ItemOutcome;
import streamline.api.processor.TriggerResult;
import streamline.api.state.StateScope;
import streamline.testkit.ProcessorHarness;
import streamline.testkit.ProcessorHarness.TriggerHarness;

/** ReadDir under the names, edits and failures of real folders: odd bytes, flow edits, unreadable and vanishing files. */
class ReadDirRealWorldTest {

    @TempDir
    Path home;

    private Path file(String relative, String text) throws IOException {
        return file(home.resolve(relative), text);
    }

    private static Path file(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(10)));
        return file;
    }

    /** A path with these raw bytes in its last name, made without the JVM's encoding (as a Latin-1 name from a share is). */
    private Path rawName(String folder, String escapedName) {
        return Path.of(URI.create(home.resolve(folder).toUri().toASCIIString().replaceAll("/$", "") + "/" + escapedName));
    }

    /** What the engine does with a batch: reads every item's content, and starts all of them or none. */
    private static List<ItemOutcome> importBatch(TriggerHarness trigger, List<TriggerResult> batch) {
        String failure = null;
        for (TriggerResult item : batch) {
            try (InputStream in = item.content().open()) {
                in.readAllBytes();
            } catch (IOException e) {
                failure = "could not store the content of item '" + item.triggerMark() + "': " + e;
                break;
            }
        }
        String reason = failure;
        List<ItemOutcome> outcomes = batch.stream().map(item -> reason == null ? ItemOutcome.started(item, UUID.randomUUID())
                : ItemOutcome.notStarted(item, reason)).toList();
        trigger.itemsReceived(outcomes);
        return outcomes;
    }

    private static List<String> names(List<TriggerResult> results) {
        return results.stream().map(result -> (String) result.metadata().get("ReadDir.Name")).toList();
    }

    @Test
    void aLatin1NameIsEmittedOnceWithAReadableNameAndItsMarkFindsTheFileToDelete() throws Exception {
        Path latin1 = file(rawName("inbox", "caf%E9.txt"), "x");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        assertEquals(1, emitted.size());
        TriggerResult item = emitted.get(0);
        assertEquals("caf%E9.txt", item.metadata().get("ReadDir.Name"), "bytes that are not UTF-8 are written %XX");
        assertEquals(home.resolve("inbox") + "/caf%E9.txt", item.metadata().get("ReadDir.Path"));
        assertEquals(latin1, FileNames.path(item.triggerMark()), "the mark gives back the file's exact bytes");
        trigger.started(emitted);

        // a flow writing outbox/${ReadDir.Name} writes the readable name, never a replacement character
        ProcessorHarness.Result written = ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/${ReadDir.Name}"))
                .metadata(item.metadata()).content("x").run();
        assertEquals(home.resolve("outbox/caf%E9.txt").toString(), written.output().metadata().get("WriteFile.OutputPath"));
        assertTrue(Files.exists(home.resolve("outbox/caf%E9.txt")));

        trigger.sessionEnded(item.triggerMark(), "");
        assertFalse(Files.exists(latin1), "the processed file is deleted, not another path");
        assertEquals(List.of(), trigger.trigger(10), "and never emitted again");
    }

    @Test
    void aValidUtf8NameKeepsItsPathAsMarkAndName() throws Exception {
        Path utf8 = file(rawName("inbox", "caf%C3%A9.txt"), "x");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox")).init();
        TriggerResult item = trigger.trigger(10).get(0);
        assertEquals("café.txt", item.metadata().get("ReadDir.Name"));
        assertEquals(utf8, FileNames.path(item.triggerMark()));
        trigger.started(List.of(item));
        trigger.sessionEnded(item.triggerMark(), "");
        assertFalse(Files.exists(utf8));
    }

    @Test
    void aComposedPathIsWrittenInUtf8WhereTheJvmsEncodingCannotHoldIt() throws Exception {
        // under a C locale Path.of refuses any non-ASCII name; the fallback gives the UTF-8 bytes a UTF-8 locale gives
        for (String text : List.of("outbox/café 100%E9.txt", "/abs/ü/x", "plain.txt")) {
            assertEquals(Path.of(text), FileNames.utf8(text), text);
        }
    }

    @Test
    void aDuplicateIsNotHeldByTheInstanceThatDidNotStartItAndItSeesTheOtherInstancesFailures() throws Exception {
        file("inbox/a.txt", "A");
        file("inbox/b.txt", "B");
        Map<String, String> config = Map.of("input", "inbox");
        TriggerHarness old = new TriggerHarness(new ReadDir(home), config).init();
        List<TriggerResult> started = old.trigger(10);
        old.started(started);

        // the flow is edited: its new version's instance meets both files in progress under the old one
        TriggerHarness edited = new TriggerHarness(new ReadDir(home), config, old.state()).init();
        List<TriggerResult> duplicates = edited.trigger(10);
        assertEquals(List.of("a.txt", "b.txt"), names(duplicates));
        edited.itemsReceived(duplicates.stream().map(item -> ItemOutcome.duplicate(item, UUID.randomUUID())).toList());

        // the old instance hears of both ends: a succeeded (deleted), b failed (kept, remembered in the shared state)
        old.sessionEnded(started.get(0).triggerMark(), "");
        old.sessionEnded(started.get(1).triggerMark(), "processor X failed");
        Path a = home.resolve("inbox/a.txt");
        assertFalse(Files.exists(a));

        // a new a.txt under the name is not blocked by the duplicate; the failed b is not processed a second time
        file("inbox/a.txt", "a new A");
        assertEquals(List.of("a.txt"), names(edited.trigger(10)));
    }

    @Test
    void aFileThatCannotBeReadFailsAloneAndTheOthersStart() throws Exception {
        file("inbox/a.txt", "A");
        Path b = file("inbox/b.txt", "B");
        file("inbox/c.txt", "C");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox")).init();
        List<TriggerResult> batch = trigger.trigger(10);
        assertEquals(List.of("a.txt", "b.txt", "c.txt"), names(batch));
        // b cannot be read when the engine imports it (root reads any mode: a folder in its place stands for it)
        Files.delete(b);
        Files.createDirectory(b);
        assertFalse(importBatch(trigger, batch).get(0).accepted(), "the engine starts a batch as one unit");
        List<TriggerResult> again = trigger.trigger(10);
        assertEquals(List.of("a.txt", "c.txt"), names(again), "the others are emitted again without it");
        assertTrue(importBatch(trigger, again).stream().allMatch(ItemOutcome::accepted));
        String failure = trigger.state().get(StateScope.LOCAL).get(batch.get(1).triggerMark());
        assertTrue(failure != null && failure.contains("its content could not be read") && failure.contains("Is a directory"),
                "remembered as failed with the reason: " + trigger.state().get(StateScope.LOCAL));
        assertTrue(trigger.log().stream().anyMatch(line -> line.contains("b.txt") && line.contains("remembered as failed")), trigger.log().toString());
    }

    @Test
    void aFileTakenAwayOrReplacedBeforeItsFailedSessionEndedDoesNotBlockItsName() throws Exception {
        Path taken = file("inbox/taken.txt", "T");
        Path replaced = file("inbox/replaced.txt", "R");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        trigger.started(emitted);
        Files.delete(taken);
        Files.delete(replaced);
        file(replaced, "a new file, never processed");
        for (TriggerResult item : emitted) {
            trigger.sessionEnded(item.triggerMark(), "processor X failed");
        }
        assertTrue(trigger.log().stream().anyMatch(line -> line.contains("taken.txt") && line.contains("the file is gone")),
                trigger.log().toString());
        file(taken, "T again, put back later");
        assertEquals(List.of("replaced.txt", "taken.txt"), names(trigger.trigger(10)),
                "the failure is of the files as they were emitted");
    }

    @Test
    void aFailedFileWhoseRetriedSessionSucceedsIsDeletedAndItsFailureForgotten() throws Exception {
        Path kept = file("inbox/kept.txt", "K");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox", "minAgeMillis", "0")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        trigger.started(emitted);
        trigger.sessionEnded(emitted.get(0).triggerMark(), "processor X failed");
        assertEquals(1, trigger.state().get(streamline.api.state.StateScope.LOCAL).size(), "the failure is remembered");
        trigger.sessionEnded(emitted.get(0).triggerMark(), ""); // the end of the session that retried it (streamline:retry)
        assertFalse(Files.exists(kept), "the source is acknowledged");
        assertEquals(Map.of(), trigger.state().get(streamline.api.state.StateScope.LOCAL), "and its failure forgotten");
    }

    @Test
    void aFailedFileIsNotEmittedAgainUntilItChangesInPlace() throws Exception {
        Path grown = file("inbox/grown.txt", "G");
        Path touched = file("inbox/touched.txt", "T");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox", "minAgeMillis", "0")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        trigger.started(emitted);
        for (TriggerResult item : emitted) {
            trigger.sessionEnded(item.triggerMark(), "processor X failed");
        }
        assertEquals(List.of(), names(trigger.trigger(10)), "failed files stay, not emitted again");
        Files.writeString(grown, "G, corrected", java.nio.file.StandardOpenOption.APPEND); // the same file, a new size
        Files.setLastModifiedTime(touched, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(touched).toMillis() - 60_000)); // the same file and size, a new time
        assertEquals(List.of("grown.txt", "touched.txt"), names(trigger.trigger(10)), "a changed file is emitted again");
    }

    @Test
    void aStatErrorOtherThanNoSuchFileSkipsThatFileAndLosesNothingOfTheCall() throws Exception {
        file("inbox/a.txt", "A");
        file("inbox/b.txt", "B");
        Path sub = file("inbox/sub/x.txt", "X").getParent();
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox", "recursive", "true")).init();
        List<TriggerResult> first = trigger.trigger(1); // lists a, b and sub/x; emits a
        assertEquals(List.of("a.txt"), names(first));
        trigger.started(first);
        // sub becomes a file: the stat of the listed sub/x.txt fails with ENOTDIR
        Files.delete(sub.resolve("x.txt"));
        Files.delete(sub);
        file("inbox/sub", "now a file");
        List<TriggerResult> second = trigger.trigger(10);
        assertEquals(List.of("b.txt"), names(second), "b is emitted, not stranded in flight by an exception after it");
        assertTrue(trigger.log().stream().anyMatch(line -> line.contains("sub/x.txt") && line.contains("cannot read its attributes")),
                trigger.log().toString());
    }

    @Test
    void temporaryFilesOfWriteFileAreNeverEmittedAndAFileFromTheFutureIsNamedOnce() throws Exception {
        file("inbox/.report.csv." + UUID.randomUUID() + ".streamline-tmp", "half written before a crash");
        file("inbox/" + NoReplace.temporaryName("x"), "half written");
        file("inbox/real.csv", "R");
        Path future = file("inbox/future.csv", "F");
        Files.setLastModifiedTime(future, FileTime.from(Instant.now().plusSeconds(3600)));
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox")).init();
        assertEquals(List.of("real.csv"), names(trigger.trigger(10)));
        assertEquals(List.of(), trigger.trigger(10));
        assertEquals(1, trigger.log().stream().filter(line -> line.contains("future.csv") && line.contains("in the future")).count(),
                trigger.log().toString());
    }

    @Test
    void theFolderIsForcedAfterTheDeleteBeforeTheEndIsTold() throws Exception {
        Path a = file("inbox/a.txt", "A");
        List<String> forced = new ArrayList<>();
        SharedFolderForce forces = new SharedFolderForce(folder -> forced.add(folder + (Files.exists(a) ? " with a" : " without a")));
        TriggerHarness trigger = new TriggerHarness(new ReadDir(FileRoots.defaults(home), forces), Map.of("input", "inbox")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        trigger.started(emitted);
        trigger.sessionEnded(emitted.get(0).triggerMark(), "");
        assertEquals(List.of(home.resolve("inbox") + " without a"), forced);
        trigger.sessionEnded(emitted.get(0).triggerMark(), ""); // told again after a crash: forced again, the delete may not be on disk
        assertEquals(2, forced.size());
    }

    @Test
    void aMoveForcesTheDoneFolderBeforeTheOriginalGoesAndItsFolderAfter() throws Exception {
        Path a = file("inbox/a.txt", "A");
        Path moved = home.resolve("files/done/a.txt");
        List<String> forced = new ArrayList<>();
        SharedFolderForce forces = new SharedFolderForce(folder -> forced.add(home.relativize(folder) + ":" + Files.exists(moved) + ":" + Files.exists(a)));
        TriggerHarness trigger = new TriggerHarness(new ReadDir(FileRoots.defaults(home), forces),
                Map.of("input", "inbox", "afterSuccess", "move", "doneDirectory", "files/done")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        trigger.started(emitted);
        trigger.sessionEnded(emitted.get(0).triggerMark(), "");
        assertEquals(List.of("files/done:true:true", "inbox:true:false"), forced);
    }

    @Test
    void aMoveNeverReplacesAFileInTheDoneFolderAndIsNotRepeatedWhenToldAgain() throws Exception {
        file("files/done/export.csv", "monday");
        file("files/done/export-1.csv", "tuesday");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home),
                Map.of("input", "inbox", "afterSuccess", "move", "doneDirectory", "files/done")).init();
        for (String day : List.of("wednesday", "thursday")) {
            file("inbox/export.csv", day);
            List<TriggerResult> emitted = trigger.trigger(10);
            trigger.started(emitted);
            trigger.sessionEnded(emitted.get(0).triggerMark(), "");
            trigger.sessionEnded(emitted.get(0).triggerMark(), ""); // told again after a restart
        }
        assertEquals("monday", Files.readString(home.resolve("files/done/export.csv")));
        assertEquals("tuesday", Files.readString(home.resolve("files/done/export-1.csv")));
        assertEquals("wednesday", Files.readString(home.resolve("files/done/export-2.csv")));
        assertEquals("thursday", Files.readString(home.resolve("files/done/export-3.csv")));
        try (var files = Files.list(home.resolve("files/done"))) {
            assertEquals(4, files.count(), "nothing else, no temporary file left");
        }
    }

    @Test
    void aMoveToAnotherFileSystemCopiesForcesAndThenRemoves() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(home)), "needs /dev/shm on another file system than " + home);
        Path done = Files.createTempDirectory(shm, "readdir-done");
        try {
            file(done.resolve("export.csv"), "monday");
            Path a = file("inbox/export.csv", "tuesday");
            TriggerHarness trigger = new TriggerHarness(new ReadDir(new FileRoots(home, List.of("inbox", done.toString())),
                    new SharedFolderForce()), Map.of("input", "inbox", "afterSuccess", "move", "doneDirectory", done.toString())).init();
            List<TriggerResult> emitted = trigger.trigger(10);
            trigger.started(emitted);
            trigger.sessionEnded(emitted.get(0).triggerMark(), "");
            assertFalse(Files.exists(a), "moved: " + trigger.log());
            assertEquals("monday", Files.readString(done.resolve("export.csv")));
            assertEquals("tuesday", Files.readString(done.resolve("export-1.csv")));
            try (var files = Files.list(done)) {
                assertEquals(2, files.count(), "no temporary copy left");
            }
            assertEquals(List.of(), trigger.trigger(10));
        } finally {
            try (var files = Files.walk(done)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void aFileReplacedWhileItsSessionRanIsNeitherDeletedNorMovedWithIt() throws Exception {
        for (Map<String, String> config : List.of(Map.of("input", "inbox"),
                Map.of("input", "inbox", "afterSuccess", "move", "doneDirectory", "files/done"))) {
            Path daily = file("inbox/export.csv", "monday");
            TriggerHarness trigger = new TriggerHarness(new ReadDir(home), config).init();
            List<TriggerResult> emitted = trigger.trigger(10);
            trigger.started(emitted);
            // the next day's export is renamed over it while monday's session runs
            Path next = file("inbox/.upload", "tuesday, not processed yet");
            Files.move(next, daily, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            trigger.sessionEnded(emitted.get(0).triggerMark(), "");
            assertEquals("tuesday, not processed yet", Files.readString(daily), config + ": " + trigger.log());
            assertFalse(Files.exists(home.resolve("files/done/export.csv")), "not moved as monday's");
            assertEquals(List.of("export.csv"), names(trigger.trigger(10)), "the new file is emitted for its own session");
            Files.delete(daily);
        }
    }

    @Test
    void aFileChangedInPlaceAfterItsSessionReadItIsNeitherDeletedNorMovedAndIsEmittedAgain() throws Exception {
        for (Map<String, String> config : List.of(Map.of("input", "inbox"), Map.of("input", "inbox", "remove_source", "true"),
                Map.of("input", "inbox", "afterSuccess", "move", "doneDirectory", "files/done"))) {
            Path log = file("inbox/app.log", "line 1\n");
            Object inode = Files.readAttributes(log, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            TriggerHarness trigger = new TriggerHarness(new ReadDir(home), config).init();
            List<TriggerResult> emitted = trigger.trigger(10);
            importBatch(trigger, emitted);
            // appended to in place while its session runs: same file, a new size
            Files.writeString(log, "line 2\n", java.nio.file.StandardOpenOption.APPEND);
            Files.setLastModifiedTime(log, FileTime.from(Instant.now().minusSeconds(10)));
            trigger.sessionEnded(emitted.get(0).triggerMark(), "");
            assertEquals("line 1\nline 2\n", Files.readString(log), config + ": " + trigger.log());
            assertEquals(inode, Files.readAttributes(log, java.nio.file.attribute.BasicFileAttributes.class).fileKey(), "changed in place");
            assertFalse(Files.exists(home.resolve("files/done/app.log")), "not moved as the content the session read");

            // emitted again; this time rewritten with the same size, only its modification time tells
            emitted = trigger.trigger(10);
            assertEquals(List.of("app.log"), names(emitted), config + ": the changed file is emitted again");
            importBatch(trigger, emitted);
            Files.writeString(log, "line 3\nline 4\n");
            Files.setLastModifiedTime(log, FileTime.from(Instant.now().minusSeconds(5)));
            trigger.sessionEnded(emitted.get(0).triggerMark(), "");
            assertEquals("line 3\nline 4\n", Files.readString(log), config + ": " + trigger.log());

            // unchanged during its third session: removed as configured
            emitted = trigger.trigger(10);
            assertEquals(List.of("app.log"), names(emitted), config + ": emitted again after a change of its time only");
            importBatch(trigger, emitted);
            trigger.sessionEnded(emitted.get(0).triggerMark(), "");
            assertFalse(Files.exists(log), config + ": " + trigger.log());
            assertEquals(List.of(), trigger.trigger(10));
            Files.deleteIfExists(home.resolve("files/done/app.log"));
        }
    }

    @Test
    void aMoveAcrossFileSystemsCutAfterTheCopyGotItsNameOnlyRemovesTheOriginalWhenRepeated() throws Exception {
        Path a = file("inbox/export.csv", "tuesday");
        Path done = Files.createDirectories(home.resolve("files/done"));
        // what a crash leaves on another file system: the forced copy under the new name (another inode, same time and
        // content), the original not yet removed
        Files.copy(a, done.resolve("export.csv"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Path moved = new DoneFolder(home.resolve("inbox"), done, new SharedFolderForce()).move(a);
        assertEquals(done.resolve("export.csv"), moved);
        assertFalse(Files.exists(a));
        try (var files = Files.list(done)) {
            assertEquals(List.of(done.resolve("export.csv")), files.toList(), "not copied a second time under export-1.csv");
        }
    }

    @Test
    void aMoveIntoANewSubfolderOfTheDoneFolderForcesTheFolderThatGotItBeforeTheOriginalGoes() throws Exception {
        Path a = file("inbox/2026/12/a.txt", "A");
        List<String> forced = new ArrayList<>();
        SharedFolderForce forces = new SharedFolderForce(folder -> forced.add(home.relativize(folder) + ":" + Files.exists(a)));
        TriggerHarness trigger = new TriggerHarness(new ReadDir(FileRoots.defaults(home), forces),
                Map.of("input", "inbox", "recursive", "true", "afterSuccess", "move", "doneDirectory", "files/done")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        trigger.started(emitted);
        trigger.sessionEnded(emitted.get(0).triggerMark(), "");
        assertTrue(Files.exists(home.resolve("files/done/2026/12/a.txt")));
        // a power loss must not take the new folders (and the file linked in them) while the original is gone
        assertEquals(List.of("files/done/2026/12:true", "files/done/2026:true", "files/done:true", "inbox/2026/12:false"), forced);
    }
}
