package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.wal.file.FileWriteAheadLog;

/**
 * The log and the flow store switched as a user switches them, by editing
 * {@code deploy/streamline.runtime.cfg}: while the launcher is down after a SIGKILL (both
 * directions), during its start, and, for the flow store, while it runs. Every file must come out
 * exactly once (its output is named with a tag its session takes in its first step), no session may
 * fail, and no session may be left in a log the engine no longer uses (recovered later, it would run
 * again, its content swept).
 */
class LauncherSwitchIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** As many files as workers: when every worker sleeps in a step, every session is in the log. */
    private static final int BATCH = 8;

    @TempDir
    Path work;

    private Path home;
    private Process process;
    private int starts;
    private int batches;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private void start() throws IOException {
        starts++;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File log = work.resolve("process-" + starts + ".log").toFile();
        process = new ProcessBuilder(java, "-Xmx256m", "-jar", System.getProperty("streamline.jar"), "--home", home.toString())
                .redirectErrorStream(true).redirectOutput(log).start();
    }

    private void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed process ended");
    }

    private void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                fail("the process ended (exit " + process.exitValue() + ") while waiting for " + what + "; the engine's log is kept in "
                        + keepLog());
            }
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + ": out " + list("slow-out") + "; the engine's log is kept in " + keepLog()
                        + ", its end:\n" + logEnd());
            }
            Thread.sleep(20);
        }
    }

    private List<String> list(String folder) {
        try (Stream<Path> files = Files.list(home.resolve(folder))) {
            return files.map(f -> f.getFileName().toString()).filter(name -> !name.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private String log() {
        try {
            return Files.readString(home.resolve("logs/streamline.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Copies the engine's log out of the temporary home, which is deleted after the test. */
    private Path keepLog() {
        Path kept = Path.of("target", "LauncherSwitchIT-" + System.currentTimeMillis() + ".log").toAbsolutePath();
        try {
            for (int i = 1; i <= starts; i++) {
                Files.copy(work.resolve("process-" + i + ".log"), Path.of(kept + ".process-" + i));
            }
            Files.copy(home.resolve("logs/streamline.log"), kept);
        } catch (IOException e) {
            return Path.of("(not kept: " + e + ")");
        }
        return kept;
    }

    /** The engine's record of the log and flow store it uses. */
    private String inUse() {
        try {
            return Files.readString(home.resolve("data/runtime/in-use.json"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String logEnd() {
        String log = log();
        return log.substring(Math.max(0, log.length() - 6000));
    }

    private long sleepingSteps() {
        return process.toHandle().descendants()
                .filter(child -> child.info().command().map(command -> command.endsWith("sleep")).orElse(false)).count();
    }

    private void selectInRuntimeCfg(String wal, String flowStore) throws IOException {
        Path cfg = home.resolve("deploy/streamline.runtime.cfg");
        Path staged = work.resolve("streamline.runtime.cfg");
        Files.writeString(staged, "wal.target=(streamline.wal.type=" + wal + ")\nflowManager.target=(streamline.flow.type=" + flowStore
                + ")\nworkers=" + BATCH + "\npoll.interval.ms=200\n", StandardCharsets.UTF_8);
        Files.move(staged, cfg, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Drops a batch of files into the slow flow's folder and waits until every one is inside its sleeping step. */
    private List<String> batchInsideTheSlowStep() throws Exception {
        batches++;
        List<String> names = new ArrayList<>();
        Path staging = Files.createDirectories(work.resolve("staging"));
        for (int i = 0; i < BATCH; i++) {
            String name = "b" + batches + "-" + i + ".txt";
            Files.writeString(staging.resolve(name), "batch " + batches + " file " + i + "\n", StandardCharsets.UTF_8);
            Files.move(staging.resolve(name), home.resolve("slow-in").resolve(name), StandardCopyOption.ATOMIC_MOVE);
            names.add(name);
        }
        await("every file of batch " + batches + " inside the sleeping step", () -> sleepingSteps() >= BATCH);
        return names;
    }

    /** Each file came out once: one output per file, named with the tag its session got in its first step. */
    private void awaitEachOnce(List<String> names) throws Exception {
        await("the files " + names + " out", () -> names.stream().allMatch(name -> outputsOf(name) >= 1));
        for (String name : names) {
            assertEquals(1, outputsOf(name), name + " came out exactly once: " + list("slow-out"));
        }
    }

    private long outputsOf(String name) {
        return list("slow-out").stream().filter(out -> out.startsWith(name + ".")).count();
    }

    @Test
    void sessionsAndFlowsSurviveEverySwitchOfLogAndFlowStore() throws Exception {
        home = work.resolve("home");
        start();
        await("the home laid out", () -> Files.isDirectory(home.resolve("flows")));
        Files.createDirectories(home.resolve("slow-in"));
        Files.writeString(home.resolve("deploy/streamline.processors.runexecutable.cfg"), "allowed=/bin/sleep\n");
        selectInRuntimeCfg("file", "jpa");
        Files.writeString(home.resolve("flows/slow.json"), """
                {"name": "slow",
                 "processors": [
                   {"name": "Tag", "type": "UpdateMetadata", "config": {"tag": "${uuid()}"}},
                   {"name": "Sleep", "type": "RunExecutable", "config": {"executable": "/bin/sleep", "arguments": ["3"]}},
                   {"name": "Store", "type": "WriteFile", "config": {"path": "slow-out/${ReadDir.Name}.${tag}"}}],
                 "triggerProcessors": [
                   {"name": "In", "type": "ReadDir",
                    "config": {"input": "slow-in", "minAgeMillis": "0"}}],
                 "flow": "Tag->Sleep->Store"}
                """);

        // killed with sessions in progress, the log switched while down: file -> jpa
        List<String> first = batchInsideTheSlowStep();
        kill();
        selectInRuntimeCfg("jpa", "jpa");
        start();
        awaitEachOnce(first);
        // at its start if the changed file was read before the engine started, else by a swap just after
        assertTrue(log().contains(BATCH + " unfinished sessions carried over"), logEnd());

        // and back: jpa -> file
        List<String> second = batchInsideTheSlowStep();
        kill();
        selectInRuntimeCfg("file", "jpa");
        start();
        awaitEachOnce(second);

        // the switch written just after the start, while the engine starts on the log it used last
        List<String> third = batchInsideTheSlowStep();
        kill();
        start();
        selectInRuntimeCfg("jpa", "jpa");
        awaitEachOnce(third);
        await("the engine on the JPA log", () -> inUse().contains("\"wal\":\"jpa\""));

        // the flow store switched while running, both ways: the flows keep running, files keep flowing
        String before = log();
        selectInRuntimeCfg("jpa", "memory");
        await("the engine on the memory store", () -> log().substring(before.length()).contains("flow store switched to 'memory'"));
        List<String> fourth = batchInsideTheSlowStep();
        awaitEachOnce(fourth);
        selectInRuntimeCfg("jpa", "jpa");
        await("the engine back on the JPA store", () -> log().substring(before.length()).contains("flow store switched to 'jpa'"));
        Files.writeString(home.resolve("inbox/after-switches.txt"), "hello\n");
        await("the example flow still running", () -> Files.exists(home.resolve("outbox/after-switches.txt")));
        assertTrue(!log().substring(before.length()).contains("deactivated"), "no flow stopped on a switch of flow store:\n" + logEnd());

        process.destroy();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the process stopped");
        assertEquals(List.of(), list("slow-in"), "every file's session finished");
        for (List<String> batch : List.of(first, second, third, fourth)) {
            for (String name : batch) {
                assertEquals(1, outputsOf(name), name + " came out exactly once in the end: " + list("slow-out"));
            }
        }
        assertEquals(List.of(), list("data/runtime/failed"), "no session failed");
        try (FileWriteAheadLog wal = FileWriteAheadLog.open(home.resolve("data/wal"), "never")) {
            assertEquals(List.of(), wal.liveEntries(), "nothing left unfinished in the file log");
        }
    }
}
