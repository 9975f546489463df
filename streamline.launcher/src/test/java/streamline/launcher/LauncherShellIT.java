package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.testkit.Eventually;

/**
 * The product driven as a user drives it: the launcher as a child process, commands typed into its
 * Gogo shell, a processor bundle dropped into {@code deploy/}, and the write-ahead log switched by
 * editing {@code deploy/streamline.runtime.cfg}.
 */
class LauncherShellIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    private Path home;
    private Path console;
    private Process process;
    private OutputStream shell;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor();
        }
    }

    private String output() {
        try {
            return Files.readString(console, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of the engine's log, so that a failure here says what the engine did. */
    private String engineLogEnd() {
        try {
            List<String> lines = Files.readAllLines(home.resolve("logs/streamline.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private String runtimeCfg() {
        try {
            Path cfg = home.resolve("deploy/streamline.runtime.cfg");
            return Files.getLastModifiedTime(cfg) + "\n" + Files.readString(cfg);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The engine's threads, so that a failure here shows what the engine was waiting for. */
    private String threadDump() {
        try {
            Process jstack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jstack.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jstack.waitFor();
            return dump;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    /** Types a command (again, every second, until the answer shows): commands register a moment after start. */
    private void command(String line, String expected) {
        int seen = output().length();
        long[] typedAt = { 0 };
        Eventually.await("'" + line + "' answering '" + expected + "'", TIMEOUT, () -> {
            if (output().indexOf(expected, seen) >= 0) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the process ended while '" + line + "' waited for its answer");
            }
            if (System.nanoTime() - typedAt[0] > 1_000_000_000L) {
                type(line);
                typedAt[0] = System.nanoTime();
            }
            return false;
        }, () -> "console:\n" + output().substring(seen) + "\nengine log (the end):\n" + engineLogEnd() + "\nruntime cfg now:\n"
                + runtimeCfg() + "\nthreads:\n" + threadDump());
    }

    private void type(String line) {
        try {
            shell.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            shell.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot type into the shell", e);
        }
    }

    private void awaitFile(Path file) {
        Eventually.await(file + " appearing", TIMEOUT, () -> Files.isRegularFile(file), () -> "console:\n" + output());
    }

    private void drop(Path target, String text) throws IOException {
        drop(target, text, null);
    }

    private void drop(Path target, String text, FileTime modified) throws IOException {
        Path staged = work.resolve("staged-" + UUID.randomUUID());
        Files.writeString(staged, text);
        if (modified != null) {
            Files.setLastModifiedTime(staged, modified);
        }
        Files.createDirectories(target.getParent());
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void theShellThePluginFolderAndTheConfigurationFilesWork() throws Exception {
        home = work.resolve("home");
        console = work.resolve("console.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // an empty gosh.args keeps the shell reading its (piped) standard input
        process = new ProcessBuilder(java, "-Xmx256m", "-Dgosh.args=", "-jar", System.getProperty("streamline.jar"),
                "--home", home.toString()).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        shell = process.getOutputStream();
        String example = FlowDefinition.idFromName("example").toString();

        command("streamline:bound", "write-ahead log: file");
        command("streamline:bound", "flow store: jpa");
        command("streamline:flows", example + "  active    example (2 processors, 1 triggers)");
        command("streamline:flow " + example, "processor Tag [UpdateMetadata] -> [Store]");
        command("streamline:sessions", "no session in progress");
        command("streamline:failed", "no failed session");
        command("streamline:wal", "write-ahead log file");

        // a plug-in dropped into deploy/ makes its type available to a flow that waits for it
        Files.copy(Path.of(System.getProperty("streamline.example.jar")), home.resolve("deploy/checksum.jar"));
        drop(home.resolve("flows/check.json"), """
                {"name": "check", "processors": [
                   {"name": "Sum", "type": "Checksum"},
                   {"name": "Store", "type": "WriteFile", "config": {"path": "files/sums/${ReadDir.Name}"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "files/to-sum"}}],
                 "flow": "Sum->Store"}
                """);
        drop(home.resolve("files/to-sum/a.txt"), "hello");
        awaitFile(home.resolve("files/sums/a.txt"));
        assertEquals("hello", Files.readString(home.resolve("files/sums/a.txt")));

        // a bad flow file is refused with where and what
        drop(work.resolve("bad.json"), "{\"name\": \"bad\", \"processors\": [{\"name\": \"A\", \"type\": \"Noop\"}], \"flow\": \"A->B\"}");
        command("streamline:load " + work.resolve("bad.json"), "refused: bad.json: field 'flow', column 4: 'B' is not a processor");

        command("streamline:deactivate " + example, "flow example is inactive");
        command("streamline:activate " + example, "flow example is active");

        // editing the engine's configuration file switches the write-ahead log while it runs
        Path runtime = home.resolve("deploy/streamline.runtime.cfg");
        // replaced whole (staged, then moved): FileInstall must not read a half-written file
        String before = Files.readString(runtime);
        String edited = before.replace("wal.target=(streamline.wal.type=file)", "wal.target=(streamline.wal.type=jpa)");
        assertNotEquals(before, edited, "the default configuration names the file log");
        // dated in the past: a write-back by the engine would show as a newer time
        FileTime editTime = FileTime.from(Instant.parse("2001-01-01T00:00:00Z"));
        drop(runtime, edited, editTime);
        command("streamline:bound", "write-ahead log: jpa");
        drop(home.resolve("inbox/after-swap.txt"), "still flowing");
        awaitFile(home.resolve("outbox/after-swap.txt"));
        assertEquals("still flowing", Files.readString(home.resolve("outbox/after-swap.txt")));
        assertEquals(edited, Files.readString(runtime), "the engine does not write the user's configuration file");
        assertEquals(editTime, Files.getLastModifiedTime(runtime), "the engine does not write the user's configuration file");
    }
}
