package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.testkit.Eventually;

/**
 * Waiting and retrying as an operator meets them: a flow writing to a mount that is not there parks its sessions
 * (shown by {@code streamline:waiting}), which survive a SIGKILL and go out once the mount is there, failing none; a
 * session that failed for good is retried from the shell once its cause is gone, and its trigger deletes the source.
 */
class LauncherWaitingIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path work;

    private Path home;
    private Process process;
    private OutputStream shell;
    private Path console;
    private int starts;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private void start() throws IOException {
        starts++;
        console = work.resolve("console-" + starts + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // an empty gosh.args keeps the shell reading its (piped) standard input
        process = new ProcessBuilder(java, "-Xmx256m", "-Dgosh.args=", "-jar", System.getProperty("streamline.jar"), "--home",
                home.toString()).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        shell = process.getOutputStream();
    }

    private String output() {
        try {
            return Files.readString(console, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String engineLog() {
        try {
            return Files.readString(home.resolve("logs/streamline.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Types a command (again, every second, until the answer shows): commands register a moment after start. */
    private void command(String line, String expected) {
        int seen = output().length();
        long[] typedAt = { 0 };
        await("'" + line + "' answering '" + expected + "'", () -> {
            if (output().indexOf(expected, seen) >= 0) {
                return true;
            }
            if (System.nanoTime() - typedAt[0] > 1_000_000_000L) {
                try {
                    shell.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    shell.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot type into the shell", e);
                }
                typedAt[0] = System.nanoTime();
            }
            return false;
        });
    }

    private void await(String what, BooleanSupplier condition) {
        Eventually.await(what, TIMEOUT, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("the process ended while waiting for " + what + "\nconsole:\n" + output());
            }
            return condition.getAsBoolean();
        }, () -> "console:\n" + output() + "\nengine log:\n" + engineLog());
    }

    private void drop(Path target, String text) throws IOException {
        Path staged = work.resolve("staged-" + target.getFileName());
        Files.writeString(staged, text, StandardCharsets.UTF_8);
        Files.createDirectories(target.getParent());
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> names(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private void flow(String name, String store) throws IOException {
        Files.createDirectories(home.resolve("files/" + name + "-in"));
        drop(home.resolve("flows/" + name + ".json"), """
                {"name": "%s",
                 "processors": [{"name": "Store", "type": "WriteFile", "config": {"path": "%s"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "files/%s-in", "minAgeMillis": "0"}}],
                 "flow": "Store"}
                """.formatted(name, store, name));
    }

    @Test
    void sessionsWaitForAMissingMountThroughAKillAndAFailedSessionIsRetriedFromTheShell() throws Exception {
        home = work.resolve("home");
        Path mount = work.resolve("mnt/share"); // outside the home, not there yet
        Files.createDirectories(home.resolve("deploy"));
        Files.writeString(home.resolve("deploy/streamline.processors.files.cfg"), "roots=inbox,outbox,files," + mount + "\n");
        start();
        flow("park", mount + "/${ReadDir.Name}");
        for (String name : List.of("a.txt", "b.txt", "c.txt")) {
            drop(home.resolve("files/park-in/" + name), "parked " + name);
        }
        command("streamline:waiting", "3 sessions of flow park");

        process.destroyForcibly(); // SIGKILL while they wait
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed process ended");
        start();
        command("streamline:waiting", "3 sessions of flow park");
        assertTrue(!Files.exists(mount), "nothing made where the mount should be");
        Files.createDirectories(mount);
        await("every parked file out", () -> names(mount).size() == 3);
        assertEquals("parked b.txt", Files.readString(mount.resolve("b.txt")));
        await("the inbox emptied", () -> names(home.resolve("files/park-in")).isEmpty());
        command("streamline:waiting", "no session waits");
        command("streamline:failed", "no failed session");

        // a session that fails for good (another file holds its target name), retried once the cause is gone
        drop(home.resolve("files/clash-out/d.txt"), "someone else's");
        flow("clash", "files/clash-out/${ReadDir.Name}");
        drop(home.resolve("files/clash-in/d.txt"), "mine");
        await("the session failed", () -> names(home.resolve("data/runtime/failed")).size() == 1);
        String failed = names(home.resolve("data/runtime/failed")).get(0);
        command("streamline:failed", failed + "  FAILED");
        Files.delete(home.resolve("files/clash-out/d.txt"));
        command("streamline:retry " + failed, "failed session " + failed + " retried as session ");
        await("the retried file out", () -> names(home.resolve("files/clash-out")).equals(List.of("d.txt")));
        assertEquals("mine", Files.readString(home.resolve("files/clash-out/d.txt")));
        await("the trigger heard of the retry and deleted its source", () -> names(home.resolve("files/clash-in")).isEmpty());
        command("streamline:failed", "no failed session");
        command("streamline:discard " + failed, "no failed session " + failed + " is kept");
    }
}
