package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

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

    /** As many files as workers: when every worker sleeps in a step, every session is in the log. */
    private static final int BATCH = 8;

    @TempDir
    Path work;

    private Launched launcher;
    private int batches;

    @AfterEach
    void stop() throws InterruptedException {
        launcher.close();
    }

    private long sleepingSteps() {
        return launcher.process().toHandle().descendants()
                .filter(child -> child.info().command().map(command -> command.endsWith("sleep")).orElse(false)).count();
    }

    private void select(String wal, String flowStore) throws IOException {
        launcher.write("deploy/streamline.runtime.cfg", "wal.target=(streamline.wal.type=" + wal + ")\nflowManager.target=(streamline.flow.type="
                + flowStore + ")\nworkers=" + BATCH + "\npoll.interval.ms=200\n");
    }

    private static String permissions(Path folder) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(folder));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The engine's record of the log and flow store it uses. */
    private String inUse() {
        try {
            return Files.readString(launcher.home.resolve("data/runtime/in-use.json"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Drops a batch of files into the slow flow's folder and waits until every one is inside its sleeping step. */
    private List<String> batchInsideTheSlowStep() throws Exception {
        batches++;
        List<String> names = new ArrayList<>();
        Path staging = Files.createDirectories(work.resolve("staging"));
        for (int i = 0; i < BATCH; i++) {
            String name = "b" + batches + "-" + i + ".txt";
            Files.writeString(staging.resolve(name), "batch " + batches + " file " + i + "\n", StandardCharsets.UTF_8);
            Files.move(staging.resolve(name), launcher.home.resolve("files/slow-in").resolve(name), StandardCopyOption.ATOMIC_MOVE);
            names.add(name);
        }
        launcher.await("every file of batch " + batches + " inside the sleeping step", () -> sleepingSteps() >= BATCH, this::sleepingSteps);
        return names;
    }

    private long outputsOf(String name) {
        return launcher.list("files/slow-out").stream().filter(out -> out.startsWith(name + ".")).count();
    }

    /** Each file came out once: one output per file, named with the tag its session got in its first step. */
    private void awaitEachOnce(List<String> names) throws Exception {
        launcher.await("the files " + names + " out", () -> names.stream().allMatch(name -> outputsOf(name) >= 1),
                () -> launcher.list("files/slow-out"));
        for (String name : names) {
            assertEquals(1, outputsOf(name), name + " came out exactly once: " + launcher.list("files/slow-out"));
        }
    }

    @Test
    void sessionsAndFlowsSurviveEverySwitchOfLogAndFlowStore() throws Exception {
        launcher = new Launched(work, "LauncherSwitchIT");
        launcher.start();
        Path home = launcher.home;
        launcher.await("the home laid out", () -> Files.isDirectory(home.resolve("flows")), () -> "");
        for (String folder : List.of("data", "logs")) {
            launcher.await(folder + "/ readable by its owner only", () -> permissions(home.resolve(folder)).equals("rwx------"),
                    () -> permissions(home.resolve(folder)));
        }
        Files.createDirectories(home.resolve("files/slow-in"));
        Files.writeString(home.resolve("deploy/streamline.processors.runexecutable.cfg"), "allowed=/bin/sleep\n");
        select("file", "jpa");
        Files.writeString(home.resolve("flows/slow.json"), """
                {"name": "slow",
                 "processors": [
                   {"name": "Tag", "type": "UpdateMetadata", "config": {"tag": "${uuid()}"}},
                   {"name": "Sleep", "type": "RunExecutable", "config": {"executable": "/bin/sleep", "arguments": ["3"]}},
                   {"name": "Store", "type": "WriteFile", "config": {"path": "files/slow-out/${ReadDir.Name}.${tag}"}}],
                 "triggerProcessors": [
                   {"name": "In", "type": "ReadDir", "config": {"input": "files/slow-in", "minAgeMillis": "0"}}],
                 "flow": "Tag->Sleep->Store"}
                """);

        // killed with sessions in progress, the log switched while down: file -> jpa
        List<String> first = batchInsideTheSlowStep();
        launcher.kill();
        select("jpa", "jpa");
        launcher.start();
        awaitEachOnce(first);
        // at its start if the changed file was read before the engine started, else by a swap just after
        assertTrue(launcher.log().contains(BATCH + " unfinished sessions carried over"), launcher.keepLogs().toString());

        // and back: jpa -> file
        List<String> second = batchInsideTheSlowStep();
        launcher.kill();
        select("file", "jpa");
        launcher.start();
        awaitEachOnce(second);

        // the switch written just after the start, while the engine starts on the log it used last
        List<String> third = batchInsideTheSlowStep();
        launcher.kill();
        launcher.start();
        select("jpa", "jpa");
        awaitEachOnce(third);
        launcher.await("the engine on the JPA log", () -> inUse().contains("\"wal\":\"jpa\""), this::inUse);

        // the flow store switched while running, both ways: the flows keep running, files keep flowing
        int logBefore = launcher.log().length();
        select("jpa", "memory");
        launcher.await("the engine on the memory store", () -> launcher.log().substring(logBefore).contains("flow store switched to 'memory'"),
                this::inUse);
        List<String> fourth = batchInsideTheSlowStep();
        awaitEachOnce(fourth);
        select("jpa", "jpa");
        launcher.await("the engine back on the JPA store", () -> launcher.log().substring(logBefore).contains("flow store switched to 'jpa'"),
                this::inUse);
        Files.writeString(home.resolve("inbox/after-switches.txt"), "hello\n");
        launcher.await("the example flow still running", () -> Files.exists(home.resolve("outbox/after-switches.txt")),
                () -> launcher.list("outbox"));
        assertFalse(launcher.log().substring(logBefore).contains("deactivated"), "no flow stopped on a switch of flow store");

        launcher.stop();
        assertEquals(List.of(), launcher.list("files/slow-in"), "every file's session finished");
        for (List<String> batch : List.of(first, second, third, fourth)) {
            for (String name : batch) {
                assertEquals(1, outputsOf(name), name + " came out exactly once in the end: " + launcher.list("files/slow-out"));
            }
        }
        assertEquals(List.of(), launcher.list("data/runtime/failed"), "no session failed");
        try (FileWriteAheadLog wal = FileWriteAheadLog.open(home.resolve("data/wal"), "never")) {
            assertEquals(List.of(), wal.liveEntries(), "nothing left unfinished in the file log");
        }
    }
}
