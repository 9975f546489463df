package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.wal.file.FileWriteAheadLog;

/**
 * A third-party event trigger, built against {@code streamline.api} only and following the
 * documented exactly-once pattern ({@code examples/streamline.example.queue}), dropped into a real
 * launcher: its few hundred items come out exactly once although the launcher is killed with SIGKILL
 * at three random moments and the trigger's bundle is stopped and started again mid-run.
 */
class LauncherQueueIT {

    private static final int ITEMS = 300;

    @TempDir
    Path work;

    private Launched launcher;

    @AfterEach
    void stop() throws InterruptedException {
        launcher.close();
    }

    /** Outputs per item number (an output is named {@code <number>.<tag of its session>}). */
    private Map<Integer, List<String>> outputs() {
        Map<Integer, List<String>> byNumber = new TreeMap<>();
        for (String name : launcher.list("files/numbers-out")) {
            int dot = name.indexOf('.');
            byNumber.computeIfAbsent(Integer.parseInt(name.substring(0, dot)), n -> new ArrayList<>()).add(name);
        }
        return byNumber;
    }

    private int done() {
        return outputs().size();
    }

    @Test
    void everyItemOfAThirdPartyTriggerComesOutExactlyOnceThroughKillsAndABundleRestart() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Integer> killAt = IntStream.generate(() -> 20 + random.nextInt(ITEMS - 60)).limit(3).sorted().boxed().toList();
        launcher = new Launched(work, "LauncherQueueIT");
        launcher.start();
        Path home = launcher.home;
        launcher.await("the home laid out", () -> Files.isDirectory(home.resolve("flows")), () -> "");
        Path jar = home.resolve("deploy/queue.jar");
        Files.copy(Path.of(System.getProperty("streamline.example.queue.jar")), jar);
        Files.writeString(home.resolve("flows/numbers.json"), """
                {"name": "numbers",
                 "processors": [
                   {"name": "Tag", "type": "UpdateMetadata", "config": {"tag": "${uuid()}"}},
                   {"name": "Store", "type": "WriteFile", "config": {"path": "files/numbers-out/${Queue.Number}.${tag}"}}],
                 "triggerProcessors": [
                   {"name": "Queue", "type": "NumberedQueue", "config": {"count": "%d", "ackDirectory": "queue-acks"}}],
                 "flow": "Tag->Store"}
                """.formatted(ITEMS));
        String context = "kills after " + killAt + " items (seed " + seed + ")";

        launcher.await("the first kill's moment; " + context, () -> done() >= killAt.get(0), this::done);
        launcher.kill();
        int doneBeforeRestart = done();
        launcher.start();
        // the trigger's bundle stopped mid-run and started again (FileInstall uninstalls a jar taken out of deploy/);
        // items come out again only once it is installed: a recovered session resumes only when every type is there
        launcher.await("more items through", () -> done() >= doneBeforeRestart + 5, this::done);
        int logBefore = launcher.log().length();
        Path outside = work.resolve("queue.jar");
        Files.move(jar, outside, StandardCopyOption.ATOMIC_MOVE);
        launcher.await("the trigger's provider gone", () -> launcher.log().substring(logBefore)
                .contains("the provider of trigger type NumberedQueue went away"), this::done);
        Files.move(outside, jar, StandardCopyOption.ATOMIC_MOVE);

        launcher.await("the second kill's moment; " + context, () -> done() >= killAt.get(1), this::done);
        launcher.kill();
        launcher.start();
        launcher.await("the third kill's moment; " + context, () -> done() >= killAt.get(2), this::done);
        launcher.kill();
        launcher.start();

        launcher.await("every item through; " + context, () -> done() == ITEMS && launcher.list("queue-acks").size() == ITEMS,
                () -> done() + " out, " + launcher.list("queue-acks").size() + " acknowledged");
        launcher.stop();
        Map<Integer, List<String>> outputs = outputs();
        for (Map.Entry<Integer, List<String>> output : outputs.entrySet()) {
            if (output.getValue().size() != 1) {
                String mark = "|" + output.getKey();
                List<String> entries;
                try (FileWriteAheadLog wal = FileWriteAheadLog.open(home.resolve("data/wal"), "never")) {
                    entries = wal.entries().stream().filter(entry -> entry.triggerMark().endsWith(mark)).map(Object::toString).toList();
                }
                fail("item " + output.getKey() + " came out more than once: " + output.getValue() + "; " + context + "; logs kept in "
                        + launcher.keepLogs() + "; its entries still in the log: " + entries);
            }
        }
        assertEquals(ITEMS, outputs.size(), context);
        assertEquals(List.of(), launcher.list("data/runtime/failed"), "no session failed; " + context);
        try (FileWriteAheadLog wal = FileWriteAheadLog.open(home.resolve("data/wal"), "never")) {
            // a session whose trigger heard of its end as the framework stopped may wait for its end to be logged at the
            // next start (the trigger then hears of it again); no step may be left unfinished
            assertEquals(List.of(), wal.unfinishedSteps(), "no step unfinished; " + context);
        }
    }
}
