package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.ParameterizedTest;

import streamline.api.processor.TriggerResult;
import streamline.api.state.StateScope;
import streamline.testkit.ProcessorHarness;
import streamline.testkit.ProcessorHarness.TriggerHarness;

class StandardProcessorsTest {

    @TempDir
    Path home;

    private Path file(String relative, String text) throws Exception {
        Path file = home.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(10)));
        return file;
    }

    @Test
    void readDirEmitsEachFileOnceAndDeletesItOnlyAfterSuccess() throws Exception {
        file("inbox/a.txt", "A");
        file("inbox/b.txt", "B");
        file("inbox/skip.csv", "C");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox", "pattern", "*.txt")).init();
        List<TriggerResult> first = trigger.trigger(1);
        assertEquals(1, first.size(), "capacity respected");
        List<TriggerResult> second = trigger.trigger(10);
        assertEquals(1, second.size());
        assertTrue(trigger.trigger(10).isEmpty(), "each file once");
        TriggerResult a = first.get(0);
        assertEquals("a.txt", a.metadata().get("ReadDir.Name"));
        assertEquals("A", new String(a.content().open().readAllBytes()));

        trigger.sessionEnded(a.triggerMark(), "");
        assertFalse(Files.exists(Path.of(a.triggerMark())), "deleted after success");
        trigger.sessionEnded(a.triggerMark(), ""); // told again after a restart: nothing to do
        trigger.sessionEnded(second.get(0).triggerMark(), "processor X failed");
        assertTrue(Files.exists(Path.of(second.get(0).triggerMark())), "kept after a failure");

        // a new instance on the same state (a restart): the failed file is not emitted again
        TriggerHarness restarted = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox", "pattern", "*.txt"),
                trigger.state()).init();
        assertTrue(restarted.trigger(10).isEmpty());

        // a new file under the failed one's name is not the file that failed: it is emitted
        Path failedFile = Path.of(second.get(0).triggerMark());
        Files.writeString(failedFile, "a new file, longer than the one that failed");
        Files.setLastModifiedTime(failedFile, FileTime.from(Instant.now().minusSeconds(5)));
        assertEquals(List.of(failedFile.toString()), restarted.trigger(10).stream().map(TriggerResult::triggerMark).toList());
    }

    @Test
    void readDirEmitsAFileAgainWhenItWasNotStartedAndAfterARestartAndKeepsOnlyFailuresInItsState() throws Exception {
        file("inbox/a.txt", "A");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        assertEquals(1, emitted.size());
        trigger.notStarted(emitted, "the log refused the batch");
        List<TriggerResult> again = trigger.trigger(10);
        assertEquals(1, again.size(), "an item not started is emitted again");
        trigger.started(again);
        assertTrue(trigger.trigger(10).isEmpty(), "a started item is not emitted again in this run");
        assertEquals(Map.of(), trigger.state().get(StateScope.LOCAL), "nothing is written for an item in progress");

        // a restart: the file is emitted again at once, and the engine answers it as a duplicate of its live session
        TriggerHarness restarted = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox"), trigger.state()).init();
        assertEquals(1, restarted.trigger(10).size());
    }

    @Test
    void readDirMovesToTheDoneFolderAndLeavesYoungFiles() throws Exception {
        Path old = file("inbox/sub/old.txt", "old");
        Files.writeString(home.resolve("inbox/young.txt"), "young");
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox", "recursive", "true",
                "afterSuccess", "move", "doneDirectory", "files/done", "minAgeMillis", "5000")).init();
        List<TriggerResult> results = trigger.trigger(10);
        assertEquals(List.of(old.toString()), results.stream().map(TriggerResult::triggerMark).toList());
        trigger.sessionEnded(old.toString(), "");
        assertEquals("old", Files.readString(home.resolve("files/done/sub/old.txt")));
    }

    @Test
    void writeFileWritesAtomicallyRepeatsSafelyAndNeverOverwritesUnlessTold() throws Exception {
        UUID session = UUID.randomUUID();
        Path leftover = WriteFile.temporaryFile(home.resolve("outbox/x.txt"), session);
        file(home.relativize(leftover).toString(), "half written before a crash");
        ProcessorHarness.Result result = ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/${name}"))
                .metadata(Map.of("name", "x.txt")).content("one").sessionId(session).run();
        Path written = home.resolve("outbox/x.txt");
        assertEquals("one", Files.readString(written));
        assertEquals(written.toString(), result.output().metadata().get("WriteFile.OutputPath"));
        ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/x.txt")).content("one").run();
        assertEquals("one", Files.readString(written), "the same content again: a repeated step, done");
        assertThrows(FileAlreadyExistsException.class,
                () -> ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/x.txt")).content("two").run());
        ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/x.txt", "overwrite", "true")).content("two").run();
        assertEquals("two", Files.readString(written));
        try (var files = Files.list(home.resolve("outbox"))) {
            assertEquals(List.of(written), files.toList(), "no temporary file left");
        }
    }

    @Test
    void readFileAndUpdateMetadata() throws Exception {
        file("files/in.txt", "payload");
        ProcessorHarness.Result read = ProcessorHarness.of(new ReadFile(home)).config(Map.of("path", "files/${file}"))
                .metadata(Map.of("file", "in.txt")).run();
        assertEquals("payload", read.contentAsString());
        assertEquals(7L, read.output().metadata().get("ReadFile.Size"));

        ProcessorHarness.Result updated = ProcessorHarness.of(new UpdateMetadata())
                .config(Map.of("greeting", "Hello ${who}", "streamline.backoff", "fixed")).metadata(Map.of("who", "Ada"))
                .content("kept").run();
        assertEquals("Hello Ada", updated.output().metadata().get("greeting"));
        assertFalse(updated.output().metadata().containsKey("streamline.backoff"));
        assertEquals("kept", updated.contentAsString());
    }

    @Test
    void runExecutableRunsOnlyAllowedProgramsWithoutAShell() throws Exception {
        Path cat = Path.of("/bin/cat").toRealPath();
        ProcessorHarness.Result result = ProcessorHarness.of(new RunExecutable(home, List.of(cat.toString()), 1000))
                .config(Map.of("executable", cat.toString())).content("through stdin; $(not a shell)").run();
        assertEquals("through stdin; $(not a shell)", result.output().metadata().get("RunExecutable.Output"));
        assertEquals(0, result.output().metadata().get("RunExecutable.ExitCode"));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ProcessorHarness.of(new RunExecutable(home, List.of(), 1000)).config(Map.of("executable", cat.toString())).run());
        assertTrue(refused.getMessage().contains("not allowed"), refused.getMessage());

        Path sh = Path.of("/bin/sh").toRealPath();
        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> ProcessorHarness.of(new RunExecutable(home, List.of(sh.toString()), 1000))
                        .config(Map.of("executable", sh.toString(), "arguments", List.of("-c", "echo broken >&2; exit 3"))).run());
        assertTrue(failed.getMessage().contains("exited with status 3; standard output: (none); standard error: broken"), failed.getMessage());
    }

    @Test
    void runExecutableGivesAProgramOnlyPathAndTheVariablesTheOperatorPassesOn() throws Exception {
        Path env = Path.of("/usr/bin/env").toRealPath();
        // a variable of the engine's environment other than PATH, whatever this machine has
        String other = System.getenv().entrySet().stream()
                .filter(e -> !e.getKey().equals("PATH") && !e.getValue().contains("\n") && !e.getKey().contains("="))
                .map(Map.Entry::getKey).sorted().findFirst().orElseThrow(() -> new AssertionError("the test needs a variable besides PATH"));
        String plain = (String) ProcessorHarness.of(new RunExecutable(home, List.of(env.toString()), 100_000))
                .config(Map.of("executable", env.toString())).run().output().metadata().get("RunExecutable.Output");
        assertEquals(List.of("PATH"), plain.lines().map(line -> line.substring(0, line.indexOf('='))).toList(), plain);
        String passed = (String) ProcessorHarness.of(new RunExecutable(home, List.of(env.toString()), 100_000, List.of(other)))
                .config(Map.of("executable", env.toString())).run().output().metadata().get("RunExecutable.Output");
        assertEquals(Stream.of(other, "PATH").sorted().toList(),
                passed.lines().map(line -> line.substring(0, line.indexOf('='))).sorted().toList(), passed);
    }

    @Test
    void readDirSkipsLinksAndNamesThemAndNeverReadsThroughOne() throws Exception {
        Path secret = file("secret/credentials.cfg", "password=hunter2");
        file("inbox/real.txt", "R");
        Files.createSymbolicLink(home.resolve("inbox/x"), secret);
        Files.createSymbolicLink(home.resolve("inbox/dir"), home.resolve("secret"));
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox", "recursive", "true")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        assertEquals(List.of(home.resolve("inbox/real.txt").toString()), emitted.stream().map(TriggerResult::triggerMark).toList(),
                "only the regular file; neither link, nor what the directory link leads to");
        assertTrue(trigger.log().stream().anyMatch(line -> line.contains(home.resolve("inbox/x").toString())
                && line.contains("symbolic link")), trigger.log().toString());
        trigger.trigger(10);
        assertEquals(1, trigger.log().stream().filter(line -> line.contains("inbox/x")).count(), "reported once while it is there");

        // a file replaced by a link between the listing and the read is not read through the link either
        Path swapped = file("inbox/swapped.txt", "S");
        TriggerResult item = trigger.trigger(10).get(0);
        Files.delete(swapped);
        Files.createSymbolicLink(swapped, secret);
        assertThrows(IOException.class, () -> item.content().open().close());
    }

    @Test
    void writeFileNeverWritesThroughALinkPlantedAtItsTemporaryName() throws Exception {
        Path victim = file("data/victim.txt", "precious");
        UUID session = UUID.randomUUID();
        Files.createDirectories(home.resolve("outbox"));
        Files.createSymbolicLink(WriteFile.temporaryFile(home.resolve("outbox/report.txt"), session), victim);
        ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/report.txt")).content("report").sessionId(session).run();
        assertEquals("precious", Files.readString(victim), "the link's target is untouched");
        assertEquals("report", Files.readString(home.resolve("outbox/report.txt")));
        try (var files = Files.list(home.resolve("outbox"))) {
            assertEquals(List.of(home.resolve("outbox/report.txt")), files.toList(), "the planted link is gone, no temporary file left");
        }
    }

    /** What a flow may not reach, however its path is written: the step fails, naming the path and why. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "deploy/evil.jar | inside",
            "outbox/../deploy/streamline.processors.runexecutable.cfg | inside",
            "../elsewhere/x.txt | outside the folders they may use",
            "/proc/self/environ | outside the folders they may use",
            "outbox/${name} | inside",
            "outbox/escape/x.txt | outside the folders they may use",
    })
    void fileProcessorsStayInsideTheirRoots(String path, String why) throws Exception {
        Files.createDirectories(home.resolve("outbox"));
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Files.createSymbolicLink(home.resolve("outbox/escape"), elsewhere); // a link out of a root
        Map<String, Object> metadata = Map.of("name", "../deploy/evil.jar"); // metadata from an earlier step
        IOException write = assertThrows(IOException.class, () -> ProcessorHarness.of(new WriteFile(home))
                .config(Map.of("path", path)).metadata(metadata).content("x").run());
        assertTrue(write.getMessage().startsWith("file processors may not use ") && write.getMessage().contains(why), write.getMessage());
        try (var files = Files.walk(home)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().contains("evil") || f.toString().endsWith("x.txt")).toList(),
                    "nothing was written");
        }
        file("logs/streamline.log", "the engine's log");
        Files.createSymbolicLink(home.resolve("outbox/log"), home.resolve("logs/streamline.log"));
        for (String secret : List.of("/proc/self/environ", "outbox/../logs/streamline.log", "outbox/log")) {
            IOException read = assertThrows(IOException.class, () -> ProcessorHarness.of(new ReadFile(home))
                    .config(Map.of("path", secret)).run());
            assertTrue(read.getMessage().startsWith("file processors may not use "), read.toString());
        }
    }

    @Test
    void readDirRefusesAnInputOutsideItsRootsAndADoneFolderInsideARecursiveInput() throws Exception {
        Exception outside = assertThrows(IOException.class,
                () -> new TriggerHarness(new ReadDir(home), Map.of("input", "data")).init());
        assertTrue(outside.getMessage().contains("which they never may"), outside.getMessage());
        Exception loop = assertThrows(IllegalArgumentException.class, () -> new TriggerHarness(new ReadDir(home), Map.of("input", "inbox",
                "recursive", "true", "afterSuccess", "move", "doneDirectory", "inbox/done")).init());
        assertTrue(loop.getMessage().contains("inside the recursive input"), loop.getMessage());
    }
}
