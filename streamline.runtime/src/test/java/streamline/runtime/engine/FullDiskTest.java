package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.WaitingSessions;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.processors.standard.ReadDir;
import streamline.processors.standard.WriteFile;
import streamline.testkit.SmallFileSystem;
import streamline.testkit.TestFlows;

/** The outbox on a disk that fills up: the sessions wait, spending no retry, and every file goes out once there is space. */
class FullDiskTest {

    private static final int FILES = 10;
    private static final int SIZE = 32 * 1024;

    @TempDir
    Path directory;

    EngineHarness harness;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void filesWaitWhileTheOutboxIsFullAndAllGoOutOnceItIsFreedWithNoFailedSession() throws Exception {
        Path home = directory.resolve("home");
        Path inbox = Files.createDirectories(home.resolve("inbox"));
        try (SmallFileSystem outbox = SmallFileSystem.mount(home.resolve("outbox"), "1m")) {
            outbox.fill();
            harness = new EngineHarness(directory);
            harness.processor("WriteFile", () -> new WriteFile(home));
            harness.trigger("ReadDir", () -> new ReadDir(home));
            harness.start(harness.options().waitBackoffMax(Duration.ofMillis(50)).build());
            FlowDefinition flow = EngineTest.withProcessor(TestFlows.flow("outbox", "Store"), "Store",
                    b -> b.type("WriteFile").maxRetries(1).backoffSeconds(0).config(Map.of("path", "outbox/${ReadDir.Name}")));
            flow = flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "Inbox")).name("Inbox")
                    .type("ReadDir").config(Map.of("input", "inbox", "minAgeMillis", "0")).build()).build();
            for (int i = 0; i < FILES; i++) {
                Files.write(inbox.resolve("o" + i + ".bin"), bytes(i));
            }
            harness.activate(flow);

            EngineHarness.await("every file's session waits for space", () -> waiting() == FILES, harness.engine::waitingSessions);
            WaitingSessions waits = harness.engine.waitingSessions().get(0);
            assertEquals("Store", waits.processorName());
            assertTrue(waits.reason().contains("No space left on device"), waits.reason());
            assertTrue(harness.ended.isEmpty(), "no session ended while the disk was full");

            outbox.free();
            harness.awaitEnded(FILES);
            assertTrue(harness.ended.values().stream().noneMatch(end -> end.failed()), harness.ended.toString());
            assertTrue(harness.engine.failedSessions().isEmpty());
            for (int i = 0; i < FILES; i++) {
                byte[] out = Files.readAllBytes(outbox.folder().resolve("o" + i + ".bin"));
                assertEquals(SIZE, out.length);
                assertEquals(bytes(i)[SIZE - 1], out[SIZE - 1]);
            }
            EngineHarness.await("the inbox emptied", () -> count(inbox) == 0, () -> count(inbox));
        }
    }

    private int waiting() {
        return harness.engine.waitingSessions().stream().mapToInt(WaitingSessions::sessions).sum();
    }

    private static byte[] bytes(int n) {
        byte[] data = new byte[SIZE];
        java.util.Arrays.fill(data, (byte) n);
        return data;
    }

    private static long count(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.count();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
