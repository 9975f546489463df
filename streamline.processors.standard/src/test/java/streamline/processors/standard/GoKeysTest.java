package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.TriggerResult;
import streamline.testkit.ProcessorHarness.TriggerHarness;
import streamline.testkit.ProcessorHarness;

/** The Go project's configuration keys and metadata names, read beside ours. */
class GoKeysTest {

    /** A second, well in the past: files of one second are written within it. */
    private static final Instant SECOND = Instant.parse("2026-01-02T03:04:05Z");

    @TempDir
    Path home;

    private Path file(String relative, String text, Instant modified) throws IOException {
        Path file = home.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    @Test
    void readFileTakesInputAndRemovesTheSourceOnlyWhenAsked() throws Exception {
        Path kept = file("files/kept.txt", "kept", SECOND);
        ProcessorHarness.Result read = ProcessorHarness.of(new ReadFile(home)).config(Map.of("input", "files/${name}"))
                .metadata(Map.of("name", "kept.txt")).run();
        assertEquals("kept", read.contentAsString());
        assertEquals(kept.toString(), read.output().metadata().get("ReadFile.Source"));
        assertTrue(Files.exists(kept), "remove_source defaults to false");

        Path removed = file("files/removed.txt", "removed", SECOND);
        ProcessorHarness.Result moved = ProcessorHarness.of(new ReadFile(home))
                .config(Map.of("input", "files/removed.txt", "remove_source", true)).run();
        assertEquals("removed", moved.contentAsString());
        assertFalse(Files.exists(removed), "deleted once its content is copied");

        InvalidFlowException both = assertThrows(InvalidFlowException.class, () -> ProcessorHarness.of(new ReadFile(home))
                .config(Map.of("input", "files/kept.txt", "path", "files/kept.txt")).run());
        assertTrue(both.getMessage().contains("'path'") && both.getMessage().contains("'input'"), both.getMessage());
        InvalidFlowException notABoolean = assertThrows(InvalidFlowException.class, () -> ProcessorHarness.of(new ReadFile(home))
                .config(Map.of("input", "files/kept.txt", "remove_source", "yes")).run());
        assertTrue(notABoolean.getMessage().contains("remove_source"), notABoolean.getMessage());
        assertTrue(Files.exists(kept), "a refused step removes nothing");
    }

    @Test
    void writeFileTakesOutputCreatesItsFoldersAndReplacesUnlessOverwriteSaysOtherwise() throws Exception {
        ProcessorHarness.Result first = ProcessorHarness.of(new WriteFile(home)).config(Map.of("output", "outbox/a/b/${name}"))
                .metadata(Map.of("name", "x.txt")).content("one").run();
        Path written = home.resolve("outbox/a/b/x.txt");
        assertEquals("one", Files.readString(written));
        assertEquals(written.toString(), first.output().metadata().get("WriteFile.OutputPath"));

        ProcessorHarness.of(new WriteFile(home)).config(Map.of("output", "outbox/a/b/x.txt")).content("two").run();
        assertEquals("two", Files.readString(written), "replaced, as the Go project does");

        assertThrows(FileAlreadyExistsException.class, () -> ProcessorHarness.of(new WriteFile(home))
                .config(Map.of("output", "outbox/a/b/x.txt", "overwrite", "false")).content("three").run());
        assertEquals("two", Files.readString(written));
        assertThrows(FileAlreadyExistsException.class, () -> ProcessorHarness.of(new WriteFile(home))
                .config(Map.of("path", "outbox/a/b/x.txt")).content("three").run(), "our key keeps our default");
    }

    @Test
    void readDirTakesTheGoKeysKeepsItsFilesAndEmitsOneAgainOnlyOnceItChanged() throws Exception {
        Path inbox = home.resolve("inbox");
        Path a = file("inbox/a.csv", "A", SECOND);
        Path b = file("inbox/b.csv", "B", SECOND.plusMillis(400)); // the same second as a
        file("inbox/sub/c.csv", "C", SECOND);
        file("inbox/data.csv.bak", "not matched at the end? it is: unanchored", SECOND);
        file("inbox/notes.txt", "not matched", SECOND);
        file("inbox/sub.csv/in-a-folder.txt", "the folder's name matches, the file's does not", SECOND);
        Map<String, Object> config = Map.of("input", "inbox", "regex_filter", "\\.csv", "recursive", "true");

        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), config).init();
        List<TriggerResult> emitted = trigger.trigger(100);
        assertEquals(List.of(a.toString(), b.toString(), inbox.resolve("data.csv.bak").toString(), inbox.resolve("sub/c.csv").toString()),
                emitted.stream().map(TriggerResult::triggerMark).sorted().toList(), "matched anywhere in the name, recursively");
        TriggerResult first = emitted.stream().filter(item -> item.triggerMark().equals(a.toString())).findFirst().orElseThrow();
        assertEquals(a.toString(), first.metadata().get("ReadDir.FilePath"));
        assertEquals(inbox.toRealPath().toString(), first.metadata().get("ReadDir.InputPath"));
        trigger.started(emitted);
        for (TriggerResult item : emitted) {
            trigger.sessionEnded(item.triggerMark(), "");
        }
        assertTrue(Files.exists(a) && Files.exists(b), "remove_source is false by default: the files stay");
        assertEquals(List.of(), trigger.trigger(100), "each file once");

        TriggerHarness restarted = new TriggerHarness(new ReadDir(home), config, trigger.state()).init();
        assertEquals(List.of(), restarted.trigger(100), "nor again after a restart");

        Files.writeString(b, "B, longer");
        Files.setLastModifiedTime(b, FileTime.from(SECOND.plusMillis(400)));
        Files.setLastModifiedTime(a, FileTime.from(SECOND.plusSeconds(1)));
        List<TriggerResult> changed = new ArrayList<>(restarted.trigger(100));
        assertEquals(List.of(a.toString(), b.toString()), changed.stream().map(TriggerResult::triggerMark).sorted().toList(),
                "emitted again once changed: size or modification time");
    }

    @Test
    void readDirRemovesSourcesWhenAskedAndRefusesAMissingInputFolder() throws Exception {
        Path a = file("inbox/a.txt", "A", SECOND);
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox", "remove_source", true)).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        assertEquals(1, emitted.size());
        trigger.started(emitted);
        trigger.sessionEnded(emitted.get(0).triggerMark(), "");
        assertFalse(Files.exists(a));

        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> new TriggerHarness(new ReadDir(home), Map.of("input", "inbox/missing", "regex_filter", ".")).init());
        assertTrue(missing.getMessage().contains("inbox/missing"), missing.getMessage());
        assertFalse(Files.exists(home.resolve("inbox/missing")), "not created");
    }

    @Test
    void runExecutableTakesArgsAsExpressionsAndSetsStdout() throws Exception {
        Path sh = Path.of("/bin/sh").toRealPath();
        ProcessorHarness.Result result = ProcessorHarness.of(new RunExecutable(home, List.of(sh.toString()), 1000))
                .config(Map.of("executable", sh.toString(), "args", List.of("-c", "echo \"$0 out\"; echo err >&2", "${who}")))
                .metadata(Map.of("who", "Ada")).run();
        assertEquals("Ada out\n", result.output().metadata().get("RunExecutable.Stdout"));
        assertEquals("err\n", result.output().metadata().get("RunExecutable.Error"), "standard error kept apart");

        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> ProcessorHarness.of(
                new RunExecutable(home, List.of(sh.toString()), 1000))
                .config(Map.of("executable", sh.toString(), "args", List.of("-c", "echo partial; echo broken >&2; exit 7"))).run());
        assertTrue(failed.getMessage().startsWith(sh + " exited with status 7"), failed.getMessage());
        assertTrue(failed.getMessage().contains("partial") && failed.getMessage().contains("broken"), failed.getMessage());

        InvalidFlowException notAList = assertThrows(InvalidFlowException.class, () -> ProcessorHarness.of(
                new RunExecutable(home, List.of(sh.toString()), 1000)).config(Map.of("executable", sh.toString(), "args", "x")).run());
        assertTrue(notAList.getMessage().contains("'args'"), notAList.getMessage());
    }
}
