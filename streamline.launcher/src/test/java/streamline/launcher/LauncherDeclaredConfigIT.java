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
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.testkit.Eventually;

/**
 * A plug-in bundle's declared keys ({@code examples/streamline.example.queue}, {@code @ProcessorConfig}) checked in
 * the real launcher: a flow written before its trigger's bundle is deployed waits, and fails activation naming the key
 * once the bundle comes; a bad new version of a flow file is refused while the last good one runs; the shell's
 * {@code streamline:types} lists the plug-in's keys.
 */
class LauncherDeclaredConfigIT {

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

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String log() {
        return read(home.resolve("logs/streamline.log"));
    }

    private List<String> list(String folder) {
        try (Stream<Path> files = Files.list(home.resolve(folder))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private void awaitLog(String what, int from, String expected) {
        Eventually.await(what, TIMEOUT, () -> log().indexOf(expected, from) >= 0,
                () -> "the engine's log since then:\n" + log().substring(Math.min(from, log().length())));
    }

    /** Types a command (again, every second, until the answer shows): commands register a moment after start. */
    private void command(String line, String expected) {
        int seen = read(console).length();
        long[] typedAt = { 0 };
        Eventually.await("'" + line + "' answering '" + expected + "'", TIMEOUT, () -> {
            if (read(console).indexOf(expected, seen) >= 0) {
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
        }, () -> "console:\n" + read(console).substring(seen));
    }

    private void drop(Path target, String text) throws IOException {
        Path staged = work.resolve("staged-" + UUID.randomUUID());
        Files.writeString(staged, text);
        Files.createDirectories(target.getParent());
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String numbers(String queueConfig) {
        return """
                {"name": "numbers",
                 "processors": [{"name": "Store", "type": "WriteFile", "config": {"path": "files/numbers-out/${Queue.Number}"}}],
                 "triggerProcessors": [{"name": "Queue", "type": "NumberedQueue", "config": %s}],
                 "flow": "Store"}
                """.formatted(queueConfig);
    }

    @Test
    void aPluginsDeclaredKeysAreCheckedWhenItComesBeforeSavingAndListedByTheShell() throws Exception {
        home = work.resolve("home");
        console = work.resolve("console.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // an empty gosh.args keeps the shell reading its (piped) standard input
        process = new ProcessBuilder(java, "-Xmx256m", "-Dgosh.args=", "-jar", System.getProperty("streamline.jar"),
                "--home", home.toString()).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        shell = process.getOutputStream();
        command("streamline:types", "WriteFile: Writes the session's content to a file.");

        // the trigger's type is provided by no bundle yet: the flow file is saved, and the flow waits
        drop(home.resolve("flows/numbers.json"), numbers("{\"count\": \"many\", \"ackDirectory\": \"acks\"}"));
        awaitLog("the flow saved while its trigger type is missing", 0, "flow 'numbers' (");
        int beforeDeploy = log().length();
        Files.copy(Path.of(System.getProperty("streamline.example.queue.jar")), home.resolve("deploy/queue.jar"));
        awaitLog("the activation refused naming the key", beforeDeploy,
                "trigger 'Queue' (NumberedQueue): key 'count' must be a whole number, was \"many\"");
        assertEquals(List.of(), list("files/numbers-out"), "nothing ran");

        drop(home.resolve("flows/numbers.json"), numbers("{\"count\": 3, \"ackDirectory\": \"acks\"}"));
        Eventually.await("the corrected flow's three items", TIMEOUT, () -> list("files/numbers-out").size() == 3,
                () -> list("files/numbers-out") + "; log:\n" + log().substring(beforeDeploy));

        // with the provider there, a bad new version is refused before it is saved: the last good one keeps running
        int beforeBad = log().length();
        drop(home.resolve("flows/numbers.json"), numbers("{\"count\": [4], \"ackDirectory\": \"acks\", \"colour\": \"red\"}"));
        awaitLog("the bad version refused", beforeBad, "numbers.json: invalid flow 'numbers': trigger 'Queue' (NumberedQueue): "
                + "key 'count' must be a whole number, was [4]; the last good version keeps running");
        assertTrue(!log().substring(beforeBad).contains("re-activated"), "the running version stays: " + log().substring(beforeBad));

        command("streamline:types", "count (integer; required): How many numbers, 0 or more.");
        command("streamline:types", "NumberedQueue (trigger): A stand-in for a message queue");
    }
}
