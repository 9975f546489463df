package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.testkit.Eventually;

/**
 * The operator's path through configuration mistakes, on the launcher as shipped: a wrong value is named in
 * {@code logs/streamline.log} with its PID and key, the engine keeps running (or waits) meanwhile, and the
 * corrected value takes effect: a file dropped into the inbox flows. One launcher per home.
 */
class LauncherOperatorIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String RUNTIME_CFG = "deploy/streamline.runtime.cfg";
    private static final String DEFAULT_RUNTIME = """
            wal.target=(streamline.wal.type=file)
            flowManager.target=(streamline.flow.type=jpa)
            workers=8
            poll.interval.ms=500
            """;

    @TempDir
    Path work;

    private final List<Launcher> launched = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Launcher launcher : launched) {
            if (launcher.process.isAlive()) {
                launcher.process.destroy();
                launcher.process.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aValueRefusedAtStartIsNamedAndItsCorrectionStartsTheEngine() throws Exception {
        Path home = work.resolve("home");
        write(home, RUNTIME_CFG, DEFAULT_RUNTIME.replace("workers=8", "workers=abc"));
        Launcher launcher = start(home, "--home", home.toString());

        launcher.awaitLog("configuration streamline.runtime: workers=abc refused: an integer from 1 to 1024 is required");
        launcher.command("streamline:sessions", "the engine is not running: configuration streamline.runtime: workers=abc refused");
        write(home, "inbox/early.txt", "dropped while the engine was refused");

        write(home, RUNTIME_CFG, DEFAULT_RUNTIME.replace("workers=8", "workers=-1"));
        launcher.awaitLog("configuration streamline.runtime: workers=-1 refused: an integer from 1 to 1024 is required");

        write(home, RUNTIME_CFG, DEFAULT_RUNTIME.replace("workers=8", "workers=4"));
        launcher.awaitFile(home.resolve("outbox/early.txt"));
        launcher.awaitLog("engine started: work directory " + home.resolve("data/runtime") + ", 4 workers");
        launcher.command("streamline:sessions", "no session in progress");
    }

    @Test
    void aRefusedReconfigurationLeavesTheRunningEngineRunningAndTheNextOneTakesEffect() throws Exception {
        Path home = work.resolve("home");
        Launcher launcher = start(home, "--home", home.toString());
        launcher.flows("first.txt");

        write(home, RUNTIME_CFG, DEFAULT_RUNTIME + "step.timeout.seconds=9223372036854775807\n");
        launcher.awaitLog("configuration streamline.runtime: step.timeout.seconds=9223372036854775807 refused: an integer from 1 to"
                + " 604800 is required; the engine keeps running with its current configuration");
        launcher.flows("after-timeout.txt");

        write(home, RUNTIME_CFG, DEFAULT_RUNTIME + "work.directory=/proc/streamline-work\n");
        launcher.awaitLog("configuration streamline.runtime: work.directory=/proc/streamline-work refused: a folder the engine can"
                + " create and write is required");
        launcher.flows("after-directory.txt");

        write(home, RUNTIME_CFG, DEFAULT_RUNTIME);
        launcher.flows("restored.txt");
        write(home, RUNTIME_CFG, DEFAULT_RUNTIME.replace("workers=8", "workers=3"));
        launcher.awaitLog("engine started: work directory " + home.resolve("data/runtime") + ", 3 workers");
        launcher.flows("reconfigured.txt");
    }

    @Test
    void aTargetMatchingNothingOrMalformedIsNamedWithWhatIsPresent() throws Exception {
        Path home = work.resolve("home");
        Launcher launcher = start(home, "--home", home.toString());
        launcher.flows("first.txt");

        String nothing = DEFAULT_RUNTIME.replace("wal.target=(streamline.wal.type=file)", "wal.target=(streamline.wal.type=nope)");
        write(home, RUNTIME_CFG, nothing);
        launcher.awaitLog("configuration streamline.runtime: wal.target=(streamline.wal.type=nope) matches no write-ahead log; the engine"
                + " waits for one on its reference 'wal'");
        launcher.awaitLog("(streamline.wal.type=file) ranking 20");
        launcher.command("streamline:bound", "it waits for a wal matching (streamline.wal.type=nope) (present: file (service");
        write(home, "inbox/waiting.txt", "waits for a log");

        String malformed = DEFAULT_RUNTIME.replace("wal.target=(streamline.wal.type=file)", "wal.target=(streamline.wal.type=file");
        write(home, RUNTIME_CFG, malformed);
        launcher.awaitLog("configuration streamline.runtime: wal.target=(streamline.wal.type=file refused: an LDAP filter");

        write(home, RUNTIME_CFG, DEFAULT_RUNTIME);
        launcher.awaitFile(home.resolve("outbox/waiting.txt"));
        launcher.flows("after.txt");
    }

    @Test
    void aSecondLauncherOnTheSameHomeIsRefusedAndSigtermExitsZero() throws Exception {
        Path home = work.resolve("home");
        Launcher first = start(home, "--home", home.toString());
        first.flows("first.txt");

        Launcher second = start(home, "--home", home.toString());
        assertTrue(second.process.waitFor(60, TimeUnit.SECONDS), "the second launcher ends");
        assertEquals(Main.EXIT_HOME_IN_USE, second.process.exitValue(), second.output());
        assertTrue(second.output().contains("Streamline home " + home + " is in use by another launcher (process " + first.process.pid()
                + ")"), second.output());
        assertFalse(second.output().contains("\tat "), "no stack trace: " + second.output());
        first.flows("still-running.txt");

        assertEquals(Main.EXIT_CLEAN, first.sigterm(), "a clean stop on SIGTERM exits 0; " + first.output());
        Launcher again = start(home, "--home", home.toString());
        again.flows("after-restart.txt");
        assertEquals(Main.EXIT_CLEAN, again.sigterm());
    }

    @Test
    void theHomeGivenAsAnArgumentIsUsedAndAnUnusableHomeIsRefusedClearly() throws Exception {
        Path home = work.resolve("positional");
        Launcher launcher = start(home, home.toString());
        launcher.flows("positional.txt");
        assertTrue(Files.isRegularFile(home.resolve(Main.LOCK_FILE)));
        assertEquals(Main.EXIT_CLEAN, launcher.sigterm());

        Path unusable = Path.of("/proc/streamline-home-" + UUID.randomUUID());
        Launcher refused = start(work.resolve("unused"), "--home", unusable.toString());
        assertTrue(refused.process.waitFor(60, TimeUnit.SECONDS), "the launcher ends");
        assertEquals(Main.EXIT_HOME_UNUSABLE, refused.process.exitValue(), refused.output());
        assertTrue(refused.output().contains("Streamline home " + unusable + " cannot be used"), refused.output());
        assertFalse(refused.output().contains("\tat "), "no stack trace: " + refused.output());
    }

    @Test
    void loadAndTheFlowFolderFeedTheStoreTheEngineUsesAndSayWhatIsWrong() throws Exception {
        Path home = work.resolve("home");
        write(home, RUNTIME_CFG, DEFAULT_RUNTIME.replace("(streamline.flow.type=jpa)", "(streamline.flow.type=memory)"));
        Launcher launcher = start(home, "--home", home.toString());
        launcher.command("streamline:bound", "flow store: memory");

        Path flow = work.resolve("moved.json");
        Files.writeString(flow, """
                {"name": "moved", "processors": [{"name": "Store", "type": "WriteFile", "config": {"path": "files/out/${ReadDir.Name}"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "files/in"}}],
                 "flow": "Store"}
                """);
        launcher.command("streamline:load " + flow, "saved flow 'moved'");
        write(home, "files/in/loaded.txt", "through a loaded flow");
        launcher.awaitFile(home.resolve("files/out/loaded.txt"));
        launcher.flows("example.txt"); // the example flow, from flows/, went to the engine's store too

        launcher.command("streamline:load ''", "refused: no file given");
        Path latin1 = work.resolve("latin1.json");
        Files.write(latin1, new byte[] { '{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xE9, '"', '}' });
        launcher.command("streamline:load " + latin1, "refused: " + latin1 + " is not UTF-8 text");

        write(home, "deploy/streamline.flow.files.cfg", "flowManager.target=(streamline.flow.type=nothing)\n");
        launcher.awaitLog("wait: no flow store matches flowManager.target=(streamline.flow.type=nothing) (from streamline.flow.files);"
                + " present: ");
        write(home, "deploy/streamline.flow.files.cfg", "poll.interval.ms=0\n");
        launcher.awaitLog("configuration streamline.flow.files: poll.interval.ms=0 refused: an integer from 50 to 3600000 is required");
        write(home, "deploy/streamline.flow.files.cfg", "poll.interval.ms=200\n");
        write(home, "flows/late.json", """
                {"name": "late", "processors": [{"name": "Store", "type": "WriteFile", "config": {"path": "files/late/${ReadDir.Name}"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "files/late-in"}}],
                 "flow": "Store"}
                """);
        write(home, "files/late-in/late.txt", "through the folder's flow");
        launcher.awaitFile(home.resolve("files/late/late.txt"));
    }

    @Test
    void aPublicPasswordIsRefusedInTheLogAndThePrivateOneIsNeverListed() throws Exception {
        Path home = work.resolve("home");
        Launcher launcher = start(home, "--home", home.toString());
        launcher.flows("first.txt");

        write(home, "deploy/streamline.flow.jpa.cfg", "password=hunter2-public\n");
        // SCR's own report of the failed activation reaches the log through the OSGi Log Service bridge
        launcher.awaitLog("configuration streamline.flow.jpa: key 'password' refused: give the password as '.password'");
        launcher.await("SCR's report in the log", () -> launcher.log().lines()
                .anyMatch(line -> line.contains(" osgi.") && line.contains("[streamline.flow.jpa]")));

        write(home, "deploy/streamline.flow.jpa.cfg", ".password=hunter2-private\n");
        launcher.flows("private.txt");
        launcher.command("inspect capability service streamline.flow.jpa", "streamline.flow.type = jpa");
        assertFalse(launcher.output().contains("hunter2-private"), "no service listing shows the private password: " + launcher.output());

        write(home, "data/db-password", "hunter2-file\n");
        write(home, "deploy/streamline.flow.jpa.cfg", "password.file=data/db-password\n");
        launcher.flows("password-file.txt");
        launcher.command("scr:info streamline.flow.jpa.JpaFlowStoreComponent", "password.file<String> = data/db-password");
        assertFalse(launcher.output().contains("hunter2-file"), "no listing shows a password from a file: " + launcher.output());
    }

    // ------------------------------------------------------------ the launcher as a process, with its shell

    private Launcher start(Path home, String... arguments) throws IOException {
        Launcher launcher = new Launcher(home, work.resolve("console-" + (launched.size() + 1) + ".log"), arguments);
        launched.add(launcher);
        return launcher;
    }

    /** Writes a file of the home whole (staged, then moved), as an editor that saves by renaming does. */
    private void write(Path home, String file, String text) throws IOException {
        Path target = home.resolve(file);
        Files.createDirectories(target.getParent());
        Path staged = work.resolve("staged-" + UUID.randomUUID());
        Files.writeString(staged, text, StandardCharsets.UTF_8);
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private final class Launcher {
        final Path home;
        final Path console;
        final Process process;
        final OutputStream shell;

        Launcher(Path home, Path console, String... arguments) throws IOException {
            this.home = home;
            this.console = console;
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                    "-Dgosh.args=", "-jar", System.getProperty("streamline.jar")));
            command.addAll(List.of(arguments));
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile()).start();
            shell = process.getOutputStream();
        }

        String output() {
            try {
                return Files.readString(console, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        String log() {
            try {
                return Files.readString(home.resolve("logs/streamline.log"), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        private String observed() {
            String log = log();
            return "console:\n" + output() + "\nlog (the end):\n" + log.substring(Math.max(0, log.length() - 12_000));
        }

        void await(String what, java.util.function.BooleanSupplier condition) {
            Eventually.await(what, TIMEOUT, () -> {
                if (condition.getAsBoolean()) {
                    return true;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("the launcher ended (exit " + process.exitValue() + ") while waiting for " + what + "\n"
                            + observed());
                }
                return false;
            }, this::observed);
        }

        void awaitLog(String text) {
            await("logs/streamline.log saying '" + text + "'", () -> log().contains(text));
        }

        void awaitFile(Path file) {
            await(file + " appearing", () -> Files.isRegularFile(file));
        }

        /** A file dropped into inbox/ comes out in outbox/ (the example flow). */
        void flows(String name) throws IOException {
            write(home, "inbox/" + name, "content of " + name);
            awaitFile(home.resolve("outbox/" + name));
        }

        /** Types a command (again, every second, until the answer shows: commands register a moment after start). */
        void command(String line, String expected) {
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

        /** SIGTERM, and the exit code. */
        int sigterm() throws InterruptedException {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher stopped");
            return process.exitValue();
        }
    }
}
