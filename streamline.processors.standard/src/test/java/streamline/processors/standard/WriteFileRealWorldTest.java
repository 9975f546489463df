package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.testkit.Concurrently;
import streamline.testkit.ProcessorHarness;

class WriteFileRealWorldTest {

    private static final int ROUNDS = 200;

    @TempDir
    Path home;

    @Test
    void twoSessionsWritingOneNameWithoutOverwriteNeverLoseAFile() throws Exception {
        List<String> lost = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            String path = "outbox/r" + round + ".csv";
            CyclicBarrier together = new CyclicBarrier(2);
            List<String> written = new ArrayList<>();
            List<Callable<?>> writers = new ArrayList<>();
            for (String input : List.of("a/r.csv", "b/r.csv")) {
                writers.add(() -> {
                    together.await();
                    try {
                        ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", path)).content(input).run();
                        synchronized (written) {
                            written.add(input);
                        }
                    } catch (FileAlreadyExistsException e) {
                        // the loser fails, as documented
                    }
                    return null;
                });
            }
            try {
                Concurrently.run(writers);
            } catch (ExecutionException e) {
                throw new AssertionError("round " + round + ": a writer failed otherwise", e.getCause());
            }
            if (written.size() != 1) {
                lost.add("round " + round + ": " + written + " both written, " + Files.readString(home.resolve(path)) + " kept");
            }
        }
        assertEquals(List.of(), lost, "one writer wins, the other fails");
    }

    @Test
    void aLongTargetNameIsWritten() throws Exception {
        String name = "x".repeat(250) + ".csv"; // 254 bytes, the most a name may have is 255
        ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/" + name)).content("long").run();
        assertEquals("long", Files.readString(home.resolve("outbox").resolve(name)));
        try (var files = Files.list(home.resolve("outbox"))) {
            assertEquals(1, files.count(), "no temporary file left");
        }
        assertTrue(NoReplace.temporaryName(name).length() <= 32);
    }

    @Test
    void theFoldersCreatedForTheOutputAreForcedBeforeTheStepCompletes() throws Exception {
        Files.createDirectories(home.resolve("outbox"));
        List<String> forced = new ArrayList<>();
        GeneratedContentStep step = new GeneratedContentStep(Map.of("path", "outbox/2026/12/r.csv"), 10, -1) {
            @Override
            public void forceFolderBeforeCompletion(Path folder) {
                forced.add(home.relativize(folder).toString());
            }
        };
        new WriteFile(home).process(streamline.api.processor.FlowObject.of(Map.of()), step);
        assertTrue(Files.exists(home.resolve("outbox/2026/12/r.csv")));
        // a power loss must not take the new folders, and the file in them, once the input counts as processed
        assertEquals(List.of("outbox/2026/12", "outbox/2026", "outbox"), forced);
    }
}
