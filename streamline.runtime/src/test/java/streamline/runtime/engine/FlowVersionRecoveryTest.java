package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.api.wal.WriteAheadLog;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * A session finishes on the definition it started with, also across a crash: the flow changed while the engine was
 * down, and the new engine resumes the session on the version its start names, while new sessions take the new one.
 */
class FlowVersionRecoveryTest {

    @TempDir
    Path directory;

    private EngineHarness harness;
    private EngineHarness restarted;
    /** Opened once B runs for the first time; that run never returns before the crash. */
    private final CountDownLatch bRuns = new CountDownLatch(1);
    private final CountDownLatch releaseB = new CountDownLatch(1);
    /** session → the processors that ran for it, in order (each run). */
    private final Map<UUID, List<String>> ran = new ConcurrentHashMap<>();

    @AfterEach
    void stop() throws Exception {
        releaseB.countDown();
        if (restarted != null) {
            restarted.close();
        }
        if (previousLog != null) {
            previousLog.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    /** Records its name for the session; B waits for the test on its very first run. */
    final class Recorder implements Processor {
        private String name;

        @Override
        public void init(ProcessorContext context) {
            name = context.processorName();
        }

        @Override
        public FlowObject process(FlowObject input, StepContext step) throws Exception {
            ran.computeIfAbsent(step.sessionId(), id -> new CopyOnWriteArrayList<>()).add(name);
            if (name.equals("B") && bRuns.getCount() > 0) {
                bRuns.countDown();
                releaseB.await();
            }
            return input;
        }
    }

    /** Emits its items once, and counts how often it hears of each one's end. */
    static final class CountingItems extends TriggerTest.Items {
        final Map<String, AtomicInteger> endsTold = new ConcurrentHashMap<>();

        CountingItems(int total) {
            super(total);
        }

        @Override
        public void sessionEnded(SessionUpdate update) {
            endsTold.computeIfAbsent(update.triggerMark(), mark -> new AtomicInteger()).incrementAndGet();
            super.sessionEnded(update);
        }
    }

    @Test
    void aSessionWhoseStepLeftTheFlowWhileTheEngineWasDownFinishesOnItsOwnVersion() throws Exception {
        crashChangeAndRecover("A");
    }

    @Test
    void aSessionWhoseFlowWasReorderedWhileTheEngineWasDownFinishesOnItsOwnVersion() throws Exception {
        crashChangeAndRecover("B->A");
    }

    @Test
    void aSessionWhoseStepWasRenamedWhileTheEngineWasDownFinishesOnItsOwnVersion() throws Exception {
        crashChangeAndRecover("A->C");
    }

    /** The version travels in the log entries a log switch copies: the new engine starts on another log. */
    @Test
    void aSessionCarriedIntoAnotherLogAtTheRestartFinishesOnItsOwnVersion() throws Exception {
        crashChangeAndRecover("A", true);
    }

    @Test
    void aSessionWhoseVersionsDefinitionWasRemovedFailsSayingSoWithItsInputKept() throws Exception {
        UUID session = crashAndChange("A", false, copy -> deleteTree(copy.resolve("work").resolve(FlowVersions.FOLDER)));
        restarted.awaitEnded(1);
        SessionUpdate end = restarted.ended.get(session);
        assertTrue(end.failed(), "the session cannot finish on a definition no longer kept");
        assertTrue(end.error().contains(session.toString()) && end.error().contains("version")
                && end.error().contains("versions"), "the reason names session, version and flow: " + end.error());
        assertTrue(restarted.engine.failedSessions().stream().anyMatch(failed -> failed.sessionId().equals(session)),
                "its input is kept for a retry");
        assertEquals(List.of("A", "B"), ran.get(session), "nothing ran again");
    }

    private void crashChangeAndRecover(String changedGraph) throws Exception {
        crashChangeAndRecover(changedGraph, false);
    }

    /** A copy of the folders taken at the chosen moment. */
    @FunctionalInterface
    interface AtRestart {
        void prepare(Path copy) throws Exception;
    }

    private final CountingItems none = new CountingItems(0);
    private FileWriteAheadLog previousLog;

    /**
     * Starts a two-step session whose B runs when the engine crashes (a copy of its folders), changes the flow while
     * it is down, and starts a new engine on the copy.
     *
     * @return the session
     */
    private UUID crashAndChange(String changedGraph, boolean switchLog, AtRestart atRestart) throws Exception {
        harness = new EngineHarness(directory.resolve("before"));
        harness.processor("Noop", Recorder::new);
        CountingItems items = new CountingItems(1);
        harness.trigger("Items", () -> items);
        if (switchLog) {
            harness.wal = FileWriteAheadLog.open(harness.directory.resolve("wal"), "always");
            harness.start(new Named<>("a", harness.wal), new Named<>("memory", harness.flows), KnownServices.NONE);
        } else {
            harness.start();
        }
        FlowDefinition flow = withTrigger(TestFlows.flow("versions", "A->B"));
        harness.activate(flow);
        EngineHarness.await("B runs", () -> bRuns.getCount() == 0, bRuns::getCount);
        UUID session = ran.keySet().iterator().next();
        List<Path> oldVersion = versionFiles(harness.directory);
        assertEquals(1, oldVersion.size(), "the definition the session started on is kept: " + oldVersion);

        // the folders as a crash leaves them: A's completion and B's start are in the log (it forces every write)
        Path copy = directory.resolve("after-crash");
        copyTree(harness.directory, copy);
        harness.close();
        harness = null;
        atRestart.prepare(copy);

        restarted = new EngineHarness(copy);
        restarted.processor("Noop", Recorder::new);
        restarted.trigger("Items", () -> none);
        if (switchLog) {
            previousLog = FileWriteAheadLog.open(copy.resolve("wal"), "always");
            restarted.wal = FileWriteAheadLog.open(copy.resolve("wal-b"), "always");
            WriteAheadLog previous = previousLog;
            restarted.start(new Named<>("b", restarted.wal), new Named<>("memory", restarted.flows), new KnownServices() {
                @Override
                public Optional<WriteAheadLog> wal(String name) {
                    return name.equals("a") ? Optional.of(previous) : Optional.empty();
                }

                @Override
                public Optional<FlowManager> flowStore(String name) {
                    return Optional.empty();
                }

                @Override
                public boolean abandoned(String name) {
                    return false;
                }
            });
            assertTrue(previousLog.liveEntries().isEmpty(), "the session was carried into the new log");
        } else {
            restarted.start();
        }
        restarted.flows.save(withTrigger(TestFlows.flow("versions", changedGraph)));
        return session;
    }

    private void crashChangeAndRecover(String changedGraph, boolean switchLog) throws Exception {
        Path copy = directory.resolve("after-crash");
        List<Path> oldVersion = new ArrayList<>();
        UUID session = crashAndChange(changedGraph, switchLog, at -> oldVersion.addAll(versionFiles(at)));
        FlowDefinition changed = withTrigger(TestFlows.flow("versions", changedGraph));
        restarted.awaitEnded(1);
        SessionUpdate end = restarted.ended.get(session);
        assertFalse(end.failed(), "the session finished on the version it started with: " + end.error());
        assertEquals(List.of("A", "B", "B"), ran.get(session), "B ran again on the old graph, A not again");
        EngineHarness.await("the trigger heard of the end", () -> none.endsTold.containsKey("item-0"), none.endsTold::keySet);
        assertTrue(restarted.wal.liveEntries().isEmpty(), "nothing of the session stays live");

        // a new session takes the new graph
        UUID fresh = restarted.submit(changed, Map.of());
        restarted.awaitEnded(2);
        assertFalse(restarted.ended.get(fresh).failed(), restarted.ended.get(fresh).error());
        assertEquals(List.of(changedGraph.split("->")), ran.get(fresh), "the new session ran the new graph");
        assertEquals(1, none.endsTold.get("item-0").get(), "the trigger heard of the end once");
        List<String> kept = versionFiles(copy).stream().map(file -> file.getFileName().toString()).toList();
        assertFalse(kept.contains(oldVersion.get(0).getFileName().toString()), "the old definition is deleted with its last session");
        assertTrue(kept.size() <= 1, "only the active version's definition stays: " + kept);
    }

    private static FlowDefinition withTrigger(FlowDefinition flow) {
        return flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T")
                .type("Items").build()).build();
    }

    /** The definitions the engine keeps for unfinished sessions. */
    private static List<Path> versionFiles(Path home) throws Exception {
        Path versions = home.resolve("work").resolve("flow-versions");
        if (!Files.isDirectory(versions)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(versions)) {
            return files.toList();
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    static void copyTree(Path from, Path to) throws Exception {
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
