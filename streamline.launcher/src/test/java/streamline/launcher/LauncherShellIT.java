package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;

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

    /** Types a command (again, every second, until the answer shows): commands register a moment after start. */
    private void command(String line, String expected) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int seen = output().length();
        while (true) {
            shell.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            shell.flush();
            long retry = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < retry) {
                if (output().indexOf(expected, seen) >= 0) {
                    return;
                }
                Thread.sleep(20);
            }
            if (System.nanoTime() > deadline || !process.isAlive()) {
                fail("'" + line + "' did not answer '" + expected + "'; console:\n" + output().substring(seen));
            }
        }
    }

    private void awaitFile(Path file) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.isRegularFile(file)) {
            if (System.nanoTime() > deadline) {
                fail(file + " did not appear; console:\n" + output());
            }
            Thread.sleep(20);
        }
    }

    private void drop(Path target, String text) throws IOException {
        Path staged = work.resolve("staged-" + UUID.randomUUID());
        Files.writeString(staged, text);
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
                   {"name": "Store", "type": "WriteFile", "config": {"path": "sums/${ReadDir.Name}"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "to-sum"}}],
                 "flow": "Sum->Store"}
                """);
        drop(home.resolve("to-sum/a.txt"), "hello");
        awaitFile(home.resolve("sums/a.txt"));
        assertEquals("hello", Files.readString(home.resolve("sums/a.txt")));

        // a bad flow file is refused with where and what
        drop(work.resolve("bad.json"), "{\"name\": \"bad\", \"processors\": [{\"name\": \"A\", \"type\": \"Noop\"}], \"flow\": \"A->B\"}");
        command("streamline:load " + work.resolve("bad.json"), "refused: bad.json: field 'flow', column 4: 'B' is not a processor");

        command("streamline:deactivate " + example, "flow example is inactive");
        command("streamline:activate " + example, "flow example is active");

        // editing the engine's configuration file switches the write-ahead log while it runs
        Path runtime = home.resolve("deploy/streamline.runtime.cfg");
        // replaced whole (staged, then moved): FileInstall must not read a half-written file
        drop(runtime, Files.readString(runtime).replace("(streamline.wal.type=file)", "(streamline.wal.type=jpa)"));
        command("streamline:bound", "write-ahead log: jpa");
        drop(home.resolve("inbox/after-swap.txt"), "still flowing");
        awaitFile(home.resolve("outbox/after-swap.txt"));
        assertEquals("still flowing", Files.readString(home.resolve("outbox/after-swap.txt")));
    }
}
