package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.wal.WriteAheadLog;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The engine started on another write-ahead log or flow store than it used last (a target changed
 * while it was down, or during its start): what the previous ones hold is carried over, or the
 * engine waits for them, sweeping no content meanwhile.
 */
class SwitchWhileDownTest {

    @TempDir
    Path directory;

    EngineHarness harness;
    FileWriteAheadLog walA;
    FileWriteAheadLog walB;
    final Map<UUID, String> contentSeen = new ConcurrentHashMap<>();
    final Map<UUID, AtomicInteger> secondStepRuns = new ConcurrentHashMap<>();

    @BeforeEach
    void open() throws Exception {
        harness = new EngineHarness(directory);
        walA = FileWriteAheadLog.open(directory.resolve("wal-a"), "always");
        walB = FileWriteAheadLog.open(directory.resolve("wal-b"), "always");
        harness.processor("Read", () -> (input, step) -> {
            try (InputStream in = step.readContent()) {
                contentSeen.put(step.sessionId(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            secondStepRuns.computeIfAbsent(step.sessionId(), id -> new AtomicInteger()).incrementAndGet();
            return input;
        });
    }

    @AfterEach
    void close() throws Exception {
        harness.stop();
        walA.close();
        walB.close();
    }

    private Named<FlowManager> store() {
        return new Named<>("memory", harness.flows);
    }

    /** Runs sessions with content on {@code log} until each is inside its first step, then stops the engine. */
    private List<UUID> sessionsLeftUnfinishedIn(Named<WriteAheadLog> log, KnownServices known) throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        var blocking = harness.processor("Hold", () -> (Processor) (input, step) -> {
            entered.incrementAndGet();
            never.await();
            return input;
        });
        harness.start(log, store(), known);
        FlowDefinition flow = harness.activate(EngineTest.withProcessor(EngineTest.withProcessor(
                TestFlows.flow("switch", "A->B"), "A", b -> b.type("Hold")), "B", b -> b.type("Read")));
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] content = ("content " + i).getBytes(StandardCharsets.UTF_8);
            sessions.add(harness.engine.submit(flow.id(), FlowObject.of(Map.of("n", i)), () -> new ByteArrayInputStream(content)));
        }
        EngineHarness.await("every session inside its first step", () -> entered.get() == 4, entered::get);
        harness.engine.stop(); // a shutdown in the middle: the steps are interrupted, unfinished in the log
        harness.engine = null;
        harness.registry.removeProcessor(blocking);
        harness.processor("Hold", () -> (input, step) -> input);
        return sessions;
    }

    private long contentFiles() throws Exception {
        Path content = directory.resolve("work").resolve("content");
        try (Stream<Path> files = Files.walk(content)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private String recordedWal() throws Exception {
        return new InUseRecord(directory.resolve("work"), new ObjectMapper()).read().wal();
    }

    @Test
    void sessionsOfTheLogUsedLastAreCarriedOverWhenTheEngineStartsOnAnother() throws Exception {
        List<UUID> sessions = sessionsLeftUnfinishedIn(new Named<>("a", walA), EngineHarness.known(List.of(), List.of()));
        assertEquals(Set.copyOf(sessions), Set.copyOf(EngineHarness.liveSessions(walA)));

        harness.start(new Named<>("b", walB), store(), EngineHarness.known(List.of(new Named<>("a", walA), new Named<>("b", walB)), List.of()));
        harness.awaitEnded(sessions.size());
        for (int i = 0; i < sessions.size(); i++) {
            UUID session = sessions.get(i);
            assertEquals("", harness.ended.get(session).error());
            assertEquals("content " + i, contentSeen.get(session), "the content survived the switch");
            assertEquals(1, secondStepRuns.get(session).get(), "the second step ran once");
        }
        assertTrue(EngineHarness.liveSessions(walA).isEmpty(), "the previous log handed its sessions over");
        EngineHarness.await("the sessions finished in the new log", () -> {
            try {
                return EngineHarness.liveSessions(walB).isEmpty();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, () -> "live in b");
        assertEquals("b", recordedWal());
    }

    @Test
    void anAbsentPreviousLogIsWaitedForWithNothingChangedUntilItIsBackOrAbandoned() throws Exception {
        List<UUID> sessions = sessionsLeftUnfinishedIn(new Named<>("a", walA), EngineHarness.known(List.of(), List.of()));
        long contentBefore = contentFiles();
        assertTrue(contentBefore >= sessions.size(), "the sessions' content is stored");

        PreviousUnavailableException waits = assertThrows(PreviousUnavailableException.class,
                () -> harness.start(new Named<>("b", walB), store(), EngineHarness.known(List.of(new Named<>("b", walB)), List.of())));
        assertEquals("a", waits.name());
        assertTrue(waits.getMessage().contains("write-ahead log 'a'"), waits.getMessage());
        harness.engine.stop();
        assertEquals(Set.copyOf(sessions), Set.copyOf(EngineHarness.liveSessions(walA)), "the sessions stay in the absent log");
        assertTrue(EngineHarness.liveSessions(walB).isEmpty());
        assertEquals(contentBefore, contentFiles(), "no content was swept");
        assertEquals("a", recordedWal());

        harness.start(new Named<>("b", walB), store(), EngineHarness.known(List.of(new Named<>("b", walB)), List.of(), "a"));
        assertTrue(harness.engine.sessionsInProgress().isEmpty(), "abandoned: nothing carried over");
        assertEquals("b", recordedWal());
    }

    @Test
    void flowsOfTheStoreUsedLastAreCarriedOverAtStartAndOnASwitchWhileRunning() throws Exception {
        AtomicInteger instances = new AtomicInteger();
        harness.processor("Noop", () -> {
            instances.incrementAndGet();
            return (input, step) -> input;
        });
        InMemoryFlowManager first = new InMemoryFlowManager();
        FlowDefinition flow = first.save(TestFlows.flow("carried", "A"));
        harness.start(new Named<>("a", walA), new Named<>("first", first), EngineHarness.known(List.of(), List.of()));
        EngineHarness.await("flow active", () -> harness.engine.activeFlows().size() == 1, harness.engine::activeFlows);
        harness.engine.stop();

        InMemoryFlowManager second = new InMemoryFlowManager();
        harness.start(new Named<>("a", walA), new Named<>("second", second),
                EngineHarness.known(List.of(), List.of(new Named<>("first", first), new Named<>("second", second))));
        EngineHarness.await("flow active from the new store", () -> harness.engine.activeFlows().size() == 1, harness.engine::activeFlows);
        assertTrue(second.flow(flow.id()).equalsIgnoringLastUpdated(flow), "carried into the new store at start");

        InMemoryFlowManager third = new InMemoryFlowManager();
        int instancesBefore = instances.get();
        harness.engine.setFlowManager(new Named<>("third", third));
        assertTrue(third.flow(flow.id()).equalsIgnoringLastUpdated(flow), "carried into the store switched to");
        UUID session = harness.submit(flow, Map.of());
        harness.awaitEnded(1);
        assertEquals("", harness.ended.get(session).error());
        assertEquals(instancesBefore, instances.get(), "the same run goes on: the switch did not re-activate the flow");
    }
}
