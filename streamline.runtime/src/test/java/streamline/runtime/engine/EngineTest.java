package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.EngineException;
import streamline.api.engine.SessionInfo;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.api.wal.LogEntry;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

class EngineTest {

    @TempDir
    Path directory;

    EngineHarness harness;
    /** (session, processor name) → how many times the step ran. */
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    /** session → the metadata and content the last step saw. */
    final Map<UUID, FlowObject> lastSeen = new ConcurrentHashMap<>();
    final Map<UUID, String> lastContent = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> new Tagger());
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    /** Counts its runs, adds its name to metadata key "path" and to the content. */
    final class Tagger implements Processor {
        private String name;

        @Override
        public void init(ProcessorContext context) {
            name = context.processorName();
        }

        @Override
        public FlowObject process(FlowObject input, StepContext step) throws Exception {
            runs.computeIfAbsent(step.sessionId() + "/" + name, k -> new AtomicInteger()).incrementAndGet();
            String content;
            try (InputStream in = step.readContent()) {
                content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try (OutputStream out = step.writeContent()) {
                out.write((content + name).getBytes(StandardCharsets.UTF_8));
            }
            lastSeen.put(step.sessionId(), input);
            lastContent.put(step.sessionId(), content);
            String path = (String) input.metadata().getOrDefault("path", "");
            return input.with("path", path + name).with(name, "done");
        }
    }

    private int runsOf(UUID session, String processor) {
        AtomicInteger count = runs.get(session + "/" + processor);
        return count == null ? 0 : count.get();
    }

    @Test
    void runsALinearFlowStepByStepWithCopyOnWriteContent() throws Exception {
        harness.start();
        FlowDefinition flow = harness.activate(TestFlows.flow("linear", "A->B->C"));
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sessions.add(harness.engine.submit(flow.id(), FlowObject.of(Map.of("n", i)),
                    () -> new ByteArrayInputStream("in:".getBytes(StandardCharsets.UTF_8))));
        }
        harness.awaitEnded(50);
        for (UUID session : sessions) {
            assertFalse(harness.ended.get(session).failed(), harness.ended.get(session).error());
            assertEquals("AB", lastSeen.get(session).metadata().get("path"), "C saw A's then B's output");
            assertEquals("in:AB", lastContent.get(session), "C read the content B wrote over A's");
            assertEquals(1, runsOf(session, "A") + runsOf(session, "B") + runsOf(session, "C") - 2);
        }
        assertTrue(harness.wal.unfinishedSteps().isEmpty(), "nothing unfinished in the log");
        EngineHarness.await("content of finished sessions deleted", () -> contentFiles().isEmpty(), this::contentFiles);
    }

    @Test
    void fanOutBranchesRunInParallelAndTheJoinRunsOnceOnMergedMetadata() throws Exception {
        harness.start();
        FlowDefinition flow = harness.activate(TestFlows.flow("diamond", "A->B", "A->C", "B->D", "C->D"));
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sessions.add(harness.submit(flow, Map.of("n", i)));
        }
        harness.awaitEnded(40);
        for (UUID session : sessions) {
            assertEquals(1, runsOf(session, "D"), "the join runs once per session");
            Map<String, Object> seenByJoin = lastSeen.get(session).metadata();
            assertEquals("done", seenByJoin.get("B"));
            assertEquals("done", seenByJoin.get("C"));
            // documented merge order: predecessors in definition order (B, then C), the last wins
            assertEquals("AC", seenByJoin.get("path"));
        }
    }

    @Test
    void retriesWithBackoffKeepTheAttemptInTheLogAndSucceed() throws Exception {
        harness.start();
        Map<UUID, List<Integer>> attempts = new ConcurrentHashMap<>();
        harness.processor("Flaky", () -> (input, step) -> {
            attempts.computeIfAbsent(step.sessionId(), k -> new CopyOnWriteArrayList<>()).add(step.attempt());
            if (step.attempt() < 2) {
                throw new IllegalStateException("not yet");
            }
            return input;
        });
        FlowDefinition flow = harness.activate(withProcessor(TestFlows.flow("retry", "A"),
                "A", b -> b.type("Flaky").maxRetries(3).backoffSeconds(0)));
        UUID session = harness.submit(flow, Map.of());
        harness.awaitEnded(1);
        assertFalse(harness.ended.get(session).failed());
        assertEquals(List.of(0, 1, 2), attempts.get(session));
        List<Integer> logged = harness.wal.entries().stream()
                .filter(e -> e.sessionId().equals(session) && e.kind() == LogEntry.Kind.STEP_STARTED)
                .map(LogEntry::attempt).toList();
        assertEquals(List.of(0, 1, 2), logged, "each retry is logged with its attempt");
    }

    @Test
    void aFolderAStepAskedToHaveForcedIsForcedBeforeItsCompletionOrTheSessionFailsSayingWhy() throws Exception {
        harness.start();
        Path out = Files.createDirectories(directory.resolve("out"));
        harness.processor("Place", () -> (input, step) -> {
            Path folder = directory.resolve(String.valueOf(step.config("folder")));
            step.forceFolderBeforeCompletion(folder);
            return input;
        });
        // the folder step last (its force shared with the session's last write) and in the middle (forced at once)
        FlowDefinition last = harness.activate(withProcessor(TestFlows.flow("place-last", "A->B"),
                "B", b -> b.type("Place").config(Map.of("folder", "${folder}"))));
        FlowDefinition middle = harness.activate(withProcessor(TestFlows.flow("place-middle", "A->B->C"),
                "B", b -> b.type("Place").config(Map.of("folder", "${folder}"))));
        UUID lastGood = harness.submit(last, Map.of("folder", "out"));
        UUID middleGood = harness.submit(middle, Map.of("folder", "out"));
        UUID lastMissing = harness.submit(last, Map.of("folder", "missing"));
        UUID middleMissing = harness.submit(middle, Map.of("folder", "missing"));
        harness.awaitEnded(4);
        assertFalse(harness.ended.get(lastGood).failed(), harness.ended.get(lastGood).error());
        assertFalse(harness.ended.get(middleGood).failed(), harness.ended.get(middleGood).error());
        assertEquals(1, runs.get(middleGood + "/C").get(), "the step after the forced folder ran");
        for (UUID failed : List.of(lastMissing, middleMissing)) {
            String error = harness.ended.get(failed).error();
            assertTrue(error.contains("step B completed, but its folder " + directory.resolve("missing")
                    + " could not be forced to disk"), error);
        }
        assertTrue(runs.get(middleMissing + "/C") == null, "no step runs after a folder that could not be forced");
        assertTrue(Files.isDirectory(out));
    }

    @Test
    void aSessionThatExhaustsItsRetriesFailsKeepsItsInputAndTellsListeners() throws Exception {
        harness.start();
        harness.processor("Broken", () -> (input, step) -> {
            throw new IllegalArgumentException("bad input " + input.metadata().get("n"));
        });
        FlowDefinition flow = harness.activate(withProcessor(TestFlows.flow("failing", "A->B"),
                "B", b -> b.type("Broken").maxRetries(1)));
        UUID session = harness.engine.submit(flow.id(), FlowObject.of(Map.of("n", 7)),
                () -> new ByteArrayInputStream("payload".getBytes(StandardCharsets.UTF_8)));
        harness.awaitEnded(1);
        String error = harness.ended.get(session).error();
        assertTrue(error.contains("processor B (type Broken) failed after 2 attempts: IllegalArgumentException: bad input 7"), error);
        List<SessionInfo> failed = harness.engine.failedSessions();
        assertEquals(1, failed.size());
        assertEquals(session, failed.get(0).sessionId());
        assertEquals(SessionInfo.Status.FAILED, failed.get(0).status());
        Path kept = harness.engine.failedDirectory().resolve(session.toString());
        assertEquals("payloadA", Files.readString(kept.resolve("content")), "B's input (A's output) is kept");
        String description = Files.readString(kept.resolve("session.json"));
        assertTrue(description.contains("\"processorName\" : \"B\"") && description.contains("bad input 7"), description);
        assertTrue(harness.wal.unfinishedSteps().isEmpty(), "a failed session is finished in the log");
        LogEntry finished = harness.wal.entries().stream().filter(e -> e.kind() == LogEntry.Kind.SESSION_FINISHED).findFirst().orElseThrow();
        assertEquals(error, finished.error());
        assertTrue(harness.engine.sessionsInProgress().isEmpty());
    }

    @Test
    void aStepOverItsTimeoutIsInterruptedAndCountedAsFailedWithoutLosingTheWorker() throws Exception {
        harness.start(harness.options().workers(1).stepTimeout(Duration.ofSeconds(1)).build());
        harness.processor("Hang", () -> (input, step) -> {
            if (input.metadata().containsKey("hang")) {
                new CountDownLatch(1).await(); // hangs until the timeout interrupts it
            }
            return input;
        });
        FlowDefinition flow = harness.activate(withProcessor(TestFlows.flow("timeout", "A"), "A", b -> b.type("Hang")));
        UUID hanging = harness.submit(flow, Map.of("hang", true));
        UUID quick = harness.submit(flow, Map.of());
        harness.awaitEnded(2);
        assertTrue(harness.ended.get(hanging).error().contains("TimeoutException: step exceeded the step timeout of 1 s"),
                harness.ended.get(hanging).error());
        assertFalse(harness.ended.get(quick).failed(), "the single worker survived and ran the next session");
    }

    @Test
    void errorsThrownByProcessorsNeverKillAWorker() throws Exception {
        harness.start(harness.options().workers(1).build());
        harness.processor("Oom", () -> (input, step) -> {
            throw new StackOverflowError("deep");
        });
        FlowDefinition flow = harness.activate(withProcessor(TestFlows.flow("errors", "A->B"), "A", b -> b.type("Oom")));
        for (int i = 0; i < 5; i++) {
            harness.submit(flow, Map.of());
        }
        harness.awaitEnded(5);
        assertTrue(harness.ended.values().stream().allMatch(u -> u.error().contains("StackOverflowError: deep")));
    }

    @Test
    void configurationExpressionsAreEvaluatedOverTheSessionMetadata() throws Exception {
        harness.start();
        harness.processor("Greet", () -> (input, step) -> input.with("greeting", step.config("text")));
        FlowDefinition flow = harness.activate(withProcessor(TestFlows.flow("expr", "A->B"), "A",
                b -> b.type("Greet").config(Map.of("text", "Hello ${who}, ${$env[\"dotted.key\"]}!"))));
        UUID session = harness.submit(flow, Map.of("who", "Ada", "dotted.key", "welcome"));
        harness.awaitEnded(1);
        assertEquals("Hello Ada, welcome!", lastSeen.get(session).metadata().get("greeting"));

        UUID missing = harness.submit(flow, Map.of("dotted.key", "x"));
        harness.awaitEnded(2);
        assertTrue(harness.ended.get(missing).error().contains("no metadata key 'who'"), harness.ended.get(missing).error());
    }

    @Test
    void submitRefusesAnInactiveFlow() throws Exception {
        harness.start();
        FlowDefinition flow = harness.save(TestFlows.flow("inactive", "A").toBuilder().active(false).build());
        EngineException error = assertThrows(EngineException.class, () -> harness.submit(flow, Map.of()));
        assertTrue(error.getMessage().contains("not active"), error.getMessage());
    }

    @Test
    void aFlowWhoseTypeHasNoProviderWaitsAndStartsWhenOneArrives() throws Exception {
        harness.start();
        FlowDefinition flow = harness.save(withProcessor(TestFlows.flow("late", "A"), "A", b -> b.type("Late")));
        EngineHarness.await("flow known and waiting", () -> harness.engine.activeFlows().values().stream()
                .anyMatch(missing -> missing.equals(List.of("Late"))), harness.engine::activeFlows);
        EngineException error = assertThrows(EngineException.class, () -> harness.submit(flow, Map.of()));
        assertTrue(error.getMessage().contains("[Late]"), error.getMessage());
        harness.processor("Late", () -> (input, step) -> input);
        harness.activate(flow);
        harness.submit(flow, Map.of());
        harness.awaitEnded(1);
    }

    @Test
    void sessionsWaitWhileTheirProviderIsGoneAndContinueWhenItIsBack() throws Exception {
        harness.start();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger failures = new AtomicInteger();
        var provider = harness.processor("Slow", () -> (input, step) -> {
            if (!release.await(30, TimeUnit.SECONDS)) {
                failures.incrementAndGet();
            }
            return input;
        });
        FlowDefinition flow = harness.activate(withProcessor(TestFlows.flow("provider", "A->B"), "B", b -> b.type("Slow")));
        for (int i = 0; i < 10; i++) {
            harness.submit(flow, Map.of());
        }
        harness.registry.removeProcessor(provider);
        release.countDown();
        EngineHarness.await("every session ended or waiting for the provider",
                () -> harness.engine.sessionsInProgress().size() + harness.ended.size() == 10,
                () -> harness.engine.sessionsInProgress().size() + " in progress, " + harness.ended.size() + " ended");
        assertTrue(harness.ended.values().stream().noneMatch(u -> u.failed()), "none failed while the provider was gone");
        harness.processor("Slow", () -> (input, step) -> input);
        harness.awaitEnded(10);
        assertTrue(harness.ended.values().stream().noneMatch(u -> u.failed()), "no session failed for want of a provider");
    }

    @Test
    void recoveryResumesEveryUnfinishedStepAndNeverRepeatsAFinishedOne() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        harness.processor("Block", () -> (input, step) -> {
            entered.incrementAndGet();
            never.await();
            return input;
        });
        harness.start();
        FlowDefinition flow = harness.activate(withProcessor(TestFlows.flow("recover", "A->B", "A->C", "B->D", "C->D"),
                "C", b -> b.type("Block")));
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sessions.add(harness.submit(flow, Map.of("n", i)));
        }
        EngineHarness.await("blocked branches", () -> entered.get() >= 4, entered::get);
        harness.stop(); // like a shutdown in the middle: C is running (interrupted), D not reached

        try (var peek = FileWriteAheadLog.open(directory.resolve("wal"), "never")) {
            assertEquals(Set.copyOf(sessions), Set.copyOf(EngineHarness.liveSessions(peek)), "every session unfinished in the log");
        }

        EngineHarness restarted = new EngineHarness(directory);
        restarted.processor("Noop", () -> new Tagger());
        restarted.processor("Block", () -> (input, step) -> input.with("C", "done"));
        restarted.start();
        restarted.flows.save(flow);
        restarted.awaitEnded(6);
        for (UUID session : sessions) {
            assertFalse(restarted.ended.get(session).failed(), restarted.ended.get(session).error());
            assertEquals(1, runsOf(session, "A"), "A finished before the stop and did not run again");
            assertEquals(1, runsOf(session, "D"));
            assertEquals(1, runsOf(session, "B"), "B ran once: before the stop, or after it if it had not");
            assertEquals("done", lastSeen.get(session).metadata().get("C"), "the join saw the recovered branch");
        }
        assertTrue(restarted.wal.unfinishedSteps().isEmpty());
        restarted.close();
    }

    @Test
    void theWriteAheadLogIsSwappedUnderLoadWithoutLosingOrRepeatingASession() throws Exception {
        harness.start();
        FlowDefinition flow = harness.activate(TestFlows.flow("swap", "A->B", "A->C", "B->D", "C->D"));
        var other = FileWriteAheadLog.open(directory.resolve("wal-2"), "always");
        var first = harness.wal;
        int total = 600;
        Thread submitter = new Thread(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    harness.submit(flow, Map.of("n", i));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        submitter.start();
        for (int swap = 0; swap < 6; swap++) {
            int ended = harness.ended.size();
            // each swap after some sessions ended on the log in use, while the submitter goes on
            EngineHarness.await("sessions ending before swap " + swap, () -> harness.ended.size() > ended
                    || ended == total, harness.ended::size);
            harness.engine.swapWal(swap % 2 == 0 ? other : first);
        }
        submitter.join();
        harness.awaitEnded(total);
        assertTrue(harness.ended.values().stream().noneMatch(u -> u.failed()));
        for (UUID session : harness.ended.keySet()) {
            for (String processor : List.of("A", "B", "C", "D")) {
                assertEquals(1, runsOf(session, processor), processor + " of " + session + " ran once");
            }
        }
        assertTrue(first.unfinishedSteps().isEmpty(), "nothing left unfinished in the first log");
        assertTrue(other.unfinishedSteps().isEmpty(), "nothing left unfinished in the second log");
        other.close();
    }

    private List<Path> contentFiles() {
        try (var files = Files.list(directory.resolve("work/content"))) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A flow with one processor changed. */
    static FlowDefinition withProcessor(FlowDefinition flow, String name,
            UnaryOperator<ProcessorDefinition.Builder> change) {
        List<ProcessorDefinition> processors = flow.processors().stream()
                .map(p -> p.name().equals(name) ? change.apply(p.toBuilder()).build() : p).toList();
        return flow.toBuilder().processors(processors).build();
    }
}
