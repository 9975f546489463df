package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * Under the file log's {@code interval} sync a session's end is written but not forced when the engine hears it
 * logged: a power loss (or a crash of the process, which loses the log's buffer) brings the session back, and its
 * unfinished steps run again on their input. That input must still be there.
 */
class UnforcedEndTest {

    /** No interval force comes during a test: only what the test forces (a checkpoint) is durable. */
    private static final Duration NO_FORCE = Duration.ofHours(1);

    @TempDir
    Path directory;

    private EngineHarness harness;
    private EngineHarness restarted;
    /** Opened once B runs for the first time; B finishes once {@link #releaseB} opens. */
    private final CountDownLatch bRuns = new CountDownLatch(1);
    private final CountDownLatch releaseB = new CountDownLatch(1);
    /** session → the content B read last. */
    private final Map<UUID, String> readByB = new ConcurrentHashMap<>();

    @AfterEach
    void stop() throws Exception {
        if (restarted != null) {
            restarted.close();
        }
        harness.close();
    }

    /** Appends its name to the content; B waits for the test on its first run. */
    final class Appender implements Processor {
        private String name;

        @Override
        public void init(ProcessorContext context) {
            name = context.processorName();
        }

        @Override
        public FlowObject process(FlowObject input, StepContext step) throws Exception {
            String content;
            try (InputStream in = step.readContent()) {
                content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (name.equals("B")) {
                readByB.put(step.sessionId(), content);
                if (bRuns.getCount() > 0) {
                    bRuns.countDown();
                    releaseB.await();
                }
            }
            try (OutputStream out = step.writeContent()) {
                out.write((content + name).getBytes(StandardCharsets.UTF_8));
            }
            return input;
        }
    }

    @Test
    void aSubmittedSessionWhoseEndAPowerLossTookRunsAgainOnItsInput() throws Exception {
        endThenLosePower(false, false);
    }

    /**
     * The flow changed while B ran: the session's version is kept as long as a replay could need it, which is until
     * its end is durable, not once its retired run closes.
     */
    @Test
    void aSessionOfARetiredVersionWhoseEndAPowerLossTookRunsAgainOnItsOwnVersion() throws Exception {
        endThenLosePower(false, true);
    }

    /** A triggered session's end is logged after its trigger heard of it, in a write of its own that is never forced. */
    @Test
    void aTriggeredSessionWhoseEndAPowerLossTookRunsAgainOnItsInput() throws Exception {
        endThenLosePower(true, false);
    }

    private void endThenLosePower(boolean triggered, boolean changeFlow) throws Exception {
        harness = new EngineHarness(directory.resolve("before"));
        harness.processor("Noop", Appender::new);
        TriggerTest.Items items = new TriggerTest.Items(1);
        harness.trigger("Items", () -> items);
        harness.wal = FileWriteAheadLog.open(harness.directory.resolve("wal"), "interval", NO_FORCE);
        harness.start();
        FlowDefinition flow = TestFlows.flow("unforced", "A->B");
        if (triggered) {
            flow = flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T")
                    .type("Items").build()).build();
        }
        flow = harness.activate(flow);
        UUID session = triggered ? null : harness.engine.submit(flow.id(), FlowObject.of(Map.of()),
                () -> new ByteArrayInputStream("in:".getBytes(StandardCharsets.UTF_8)));
        EngineHarness.await("B runs", () -> bRuns.getCount() == 0, bRuns::getCount);
        if (changeFlow) {
            flow = harness.activate(TestFlows.flow("unforced", "A->B->C"));
        }
        // a checkpoint forces the log: the session's start, A's completion and B's start are durable, nothing after
        harness.wal.checkpoint();
        releaseB.countDown();
        harness.awaitEnded(1);
        if (triggered) {
            session = harness.ended.keySet().iterator().next();
            assertTrue(items.ended.containsKey("item-0"), "the trigger heard of the end");
        }
        assertFalse(harness.ended.get(session).failed(), harness.ended.get(session).error());

        // the folders as a power loss leaves them now: B's completion and the session's end were never forced
        Path copy = directory.resolve("after-power-loss");
        copyTree(harness.directory, copy);

        restarted = new EngineHarness(copy);
        restarted.processor("Noop", Appender::new);
        TriggerTest.Items none = new TriggerTest.Items(0);
        restarted.trigger("Items", () -> none);
        restarted.start();
        restarted.flows.save(flow);
        restarted.awaitEnded(1);
        assertFalse(restarted.ended.get(session).failed(), "the session ran B again and found its input: "
                + restarted.ended.get(session).error());
        assertEquals((triggered ? "" : "in:") + "A", readByB.get(session), "B read A's output again");
        if (triggered) {
            assertTrue(none.ended.containsKey("item-0"), "the trigger heard of the end again");
        }
        assertTrue(restarted.wal.liveEntries().isEmpty());
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (Files.isRegularFile(path) && !path.getFileName().toString().endsWith(".lock")) {
                    Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
