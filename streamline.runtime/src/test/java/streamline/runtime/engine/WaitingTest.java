package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.engine.SessionInfo;
import streamline.api.engine.WaitingSessions;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.Processor;
import streamline.api.processor.StepUnavailableException;
import streamline.api.wal.LogEntry;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.testkit.TestDatabases;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;
import streamline.wal.jpa.JpaWriteAheadLog;
import streamline.wal.jpa.WalEntryEntity;

/** A step that says "not now" parks its session without spending its retries, durably, within its wait limit. */
class WaitingTest {

    private static final String REASON = "No space left on device: /out";

    @TempDir
    Path directory;

    @RegisterExtension
    final TestDatabases databases = new TestDatabases();

    EngineHarness harness;
    /** While set, the "World" processor says "not now". */
    final AtomicBoolean notReady = new AtomicBoolean(true);
    final AtomicInteger unavailableRuns = new AtomicInteger();
    final Map<UUID, List<Integer>> attempts = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        harness = new EngineHarness(directory);
        register(harness);
    }

    private void register(EngineHarness engine) {
        engine.processor("Noop", () -> (input, step) -> input);
        engine.processor("World", () -> (input, step) -> {
            attempts.computeIfAbsent(step.sessionId(), k -> new CopyOnWriteArrayList<>()).add(step.attempt());
            if (notReady.get()) {
                unavailableRuns.incrementAndGet();
                throw new StepUnavailableException(REASON);
            }
            return input.with("written", "yes");
        });
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    private EngineOptions quickWaits() {
        return harness.options().waitBackoffMax(Duration.ofMillis(20)).build();
    }

    private static FlowDefinition worldFlow(String name, Map<String, Object> config) {
        return EngineTest.withProcessor(TestFlows.flow(name, "A->B"), "B", b -> b.type("World").maxRetries(1).config(config));
    }

    @Test
    void aStepUnavailableManyTimesSpendsNoRetryShowsItsWaitAndCompletesOnceTheWorldIsReady() throws Exception {
        harness.start(quickWaits());
        FlowDefinition flow = harness.activate(worldFlow("waits", Map.of()));
        UUID first = harness.submit(flow, Map.of());
        UUID second = harness.submit(flow, Map.of());
        // more "not now" than all retries (maxRetries 1) would allow
        EngineHarness.await("steps unavailable many times", () -> unavailableRuns.get() >= 10, unavailableRuns::get);
        List<WaitingSessions> waiting = harness.engine.waitingSessions();
        assertEquals(1, waiting.size(), waiting.toString());
        assertEquals(new WaitingSessions(flow.id(), "waits", "B", REASON, 2, waiting.get(0).since()), waiting.get(0));
        assertTrue(harness.ended.isEmpty(), "no session failed or ended while the world was not ready");
        assertTrue(harness.engine.sessionsInProgress().stream().allMatch(s -> s.status() == SessionInfo.Status.WAITING
                || s.status() == SessionInfo.Status.RUNNING));

        notReady.set(false);
        harness.awaitEnded(2);
        for (UUID session : List.of(first, second)) {
            assertFalse(harness.ended.get(session).failed(), harness.ended.get(session).error());
            assertTrue(attempts.get(session).size() > 2, "ran more often than its retries allow: " + attempts.get(session));
            assertTrue(attempts.get(session).stream().allMatch(attempt -> attempt == 0), "no retry spent: " + attempts.get(session));
        }
        assertTrue(harness.engine.waitingSessions().isEmpty());
        assertTrue(harness.engine.failedSessions().isEmpty());
        assertTrue(harness.wal.entries().stream().filter(e -> e.kind() == LogEntry.Kind.STEP_STARTED).allMatch(e -> e.attempt() == 0),
                "no retry logged");
    }

    @Test
    void aWaitPastTheProcessorsMaxWaitSecondsFailsTheSessionWithTheReason() throws Exception {
        harness.start(quickWaits());
        FlowDefinition flow = harness.activate(worldFlow("bounded", Map.of(StepUnavailableException.MAX_WAIT_KEY, "1")));
        UUID session = harness.submit(flow, Map.of());
        harness.awaitEnded(1);
        String error = harness.ended.get(session).error();
        assertTrue(harness.ended.get(session).failed());
        assertTrue(error.contains("processor B (type World) waited") && error.contains("past its streamline.maxWaitSeconds of 1 s: " + REASON),
                error);
        assertEquals(List.of(session), harness.engine.failedSessions().stream().map(SessionInfo::sessionId).toList());
        assertTrue(harness.engine.waitingSessions().isEmpty());
    }

    @Test
    void aWrongMaxWaitSecondsKeepsTheFlowFromActivating() throws Exception {
        harness.start(quickWaits());
        FlowDefinition wrong = harness.save(worldFlow("wrong", Map.of(StepUnavailableException.MAX_WAIT_KEY, "soon")));
        // a flow saved after it is active: the store was read past the wrong one
        harness.activate(worldFlow("right", Map.of(StepUnavailableException.MAX_WAIT_KEY, "5")));
        assertTrue(harness.engine.activeFlows().keySet().stream().noneMatch(f -> f.id().equals(wrong.id())), "refused: "
                + harness.engine.activeFlows());
    }

    @Test
    void aWaitingSessionSurvivesAPowerLossAndResumesWaiting() throws Exception {
        harness.start(quickWaits());
        FlowDefinition flow = harness.activate(worldFlow("durable", Map.of()));
        UUID session = harness.submit(flow, Map.of());
        EngineHarness.await("the step waits", () -> unavailableRuns.get() >= 3, unavailableRuns::get);
        // the folders as a power loss would leave them, the engine abandoned without a stop
        Path copy = directory.resolve("after-power-loss");
        copyTree(directory.resolve("wal"), copy.resolve("wal"));
        copyTree(directory.resolve("work"), copy.resolve("work"));

        try (EngineHarness restarted = new EngineHarness(copy)) {
            register(restarted);
            restarted.start(restarted.options().waitBackoffMax(Duration.ofMillis(20)).build());
            int before = unavailableRuns.get();
            restarted.flows.save(flow);
            EngineHarness.await("the session waits again after the restart", () -> unavailableRuns.get() >= before + 3
                    && restarted.engine.waitingSessions().size() == 1, restarted.engine::waitingSessions);
            assertEquals(1, restarted.engine.waitingSessions().get(0).sessions());
            notReady.set(false);
            restarted.awaitEnded(1);
            assertFalse(restarted.ended.get(session).failed(), restarted.ended.get(session).error());
            assertTrue(restarted.wal.liveEntries().isEmpty());
        }
    }

    @Test
    void afterAKillTheMaxWaitSecondsCountsFromTheFirstWaitNotFromTheRestart() throws Exception {
        harness.start(quickWaits());
        FlowDefinition flow = harness.activate(worldFlow("bounded-durably", Map.of(StepUnavailableException.MAX_WAIT_KEY, "2")));
        UUID session = harness.submit(flow, Map.of());
        EngineHarness.await("the step waits", () -> unavailableRuns.get() >= 3, unavailableRuns::get);
        // the folders as a kill -9 would leave them, the engine abandoned without a stop
        Path copy = directory.resolve("after-kill");
        copyTree(directory.resolve("wal"), copy.resolve("wal"));
        copyTree(directory.resolve("work"), copy.resolve("work"));
        // the wait limit passes (the abandoned engine, counting in memory, fails its session then)
        harness.awaitEnded(1);
        assertTrue(harness.ended.get(session).failed());

        try (EngineHarness restarted = new EngineHarness(copy)) {
            register(restarted);
            restarted.start(restarted.options().waitBackoffMax(Duration.ofMillis(20)).build());
            int before = unavailableRuns.get();
            restarted.flows.save(flow);
            restarted.awaitEnded(1);
            String error = restarted.ended.get(session).error();
            assertTrue(restarted.ended.get(session).failed());
            assertTrue(error.contains("past its streamline.maxWaitSeconds of 2 s: " + REASON), error);
            assertEquals(1, unavailableRuns.get() - before, "the step failed at its first wait after the restart: its wait began "
                    + "before the kill, more than its limit ago");
        }
    }

    @Test
    void theStartOfAWaitGoesWithTheSessionFromTheJpaLogToTheFileLogAndCountsAfterAKill() throws Exception {
        EmbeddedDataSource derby = new EmbeddedDataSource();
        derby.setDatabaseName(databases.newName("memory:waiting"));
        derby.setCreateDatabase("create");
        EntityManagerFactory factory = databases.opened(JpaWriteAheadLog.createFactory(derby, 4,
                CodePersistenceUnit.codeSource(WalEntryEntity.class)));
        JpaWriteAheadLog jpa = databases.opened(new JpaWriteAheadLog(factory, Duration.ofHours(1)));
        harness.start(quickWaits(), jpa);
        FlowDefinition flow = harness.activate(worldFlow("carried", Map.of(StepUnavailableException.MAX_WAIT_KEY, "2")));
        UUID session = harness.submit(flow, Map.of());
        EngineHarness.await("the step waits", () -> unavailableRuns.get() >= 3, unavailableRuns::get);
        try (FileWriteAheadLog file = FileWriteAheadLog.open(directory.resolve("file-wal"), "always")) {
            harness.engine.swapWal(file);
            int swapped = unavailableRuns.get();
            EngineHarness.await("the step waits on the file log", () -> unavailableRuns.get() >= swapped + 2, unavailableRuns::get);
            // the folders as a kill -9 would leave them
            Path copy = directory.resolve("after-kill");
            copyTree(directory.resolve("file-wal"), copy.resolve("wal"));
            copyTree(directory.resolve("work"), copy.resolve("work"));
            harness.awaitEnded(1);
            harness.close();

            try (EngineHarness restarted = new EngineHarness(copy)) {
                register(restarted);
                restarted.start(restarted.options().waitBackoffMax(Duration.ofMillis(20)).build());
                int before = unavailableRuns.get();
                restarted.flows.save(flow);
                restarted.awaitEnded(1);
                String error = restarted.ended.get(session).error();
                assertTrue(error.contains("past its streamline.maxWaitSeconds of 2 s: " + REASON), error);
                assertEquals(1, unavailableRuns.get() - before, "the wait counted from its start on the JPA log");
            }
        }
    }

    @Test
    void sessionsParkedWithoutAProviderAreCountedAsWaitingForIt() throws Exception {
        harness.start(quickWaits());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        harness.processor("Gate", () -> (input, step) -> {
            entered.incrementAndGet();
            release.await();
            return input;
        });
        var provider = harness.processor("Later", () -> (input, step) -> input);
        FlowDefinition flow = harness.activate(EngineTest.withProcessor(EngineTest.withProcessor(TestFlows.flow("provider", "A->B"),
                "A", a -> a.type("Gate")), "B", b -> b.type("Later")));
        harness.submit(flow, Map.of());
        harness.submit(flow, Map.of());
        EngineHarness.await("both steps running", () -> entered.get() == 2, entered::get);
        harness.registry.removeProcessor(provider); // gone before the next steps run: they park
        release.countDown();
        EngineHarness.await("both counted as waiting for the provider", () -> harness.engine.waitingSessions().stream()
                .anyMatch(w -> w.sessions() == 2 && w.reason().equals("no provider of processor type Later")),
                harness.engine::waitingSessions);
        harness.processor("Later", () -> (input, step) -> input);
        harness.awaitEnded(2);
        assertTrue(harness.engine.waitingSessions().isEmpty(), harness.engine.waitingSessions().toString());
    }

    @Test
    void waitingSessionsCountAsInProgressSoTheTriggerStartsNoMore() throws Exception {
        harness.start(harness.options().waitBackoffMax(Duration.ofMillis(20)).maxSessionsPerFlow(3).eventIdle(Duration.ofMillis(5)).build());
        TriggerTest.Items items = new TriggerTest.Items(1000);
        harness.trigger("Items", () -> items);
        FlowDefinition flow = worldFlow("pressure", Map.of());
        flow = flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T")
                .type("Items").build()).build();
        harness.activate(flow);
        EngineHarness.await("three sessions wait", () -> harness.engine.waitingSessions().stream().mapToInt(WaitingSessions::sessions).sum() == 3,
                harness.engine::waitingSessions);
        int runs = unavailableRuns.get();
        EngineHarness.await("the waiting steps ran again many times", () -> unavailableRuns.get() >= runs + 30, unavailableRuns::get);
        assertEquals(3, items.next.get(), "the trigger gave no more items than the flow's capacity");
        assertEquals(3, harness.engine.sessionsInProgress().size());
        notReady.set(false);
        EngineHarness.await("more items once the sessions went on", () -> items.next.get() > 3, items.next::get);
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
