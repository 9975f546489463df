package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.TriggerDefinition;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;
import streamline.wal.file.PowerLossFileLog;

/**
 * Under the file log's {@code always} policy a session's last completion and end are appended unforced, for the next
 * forced append of the log to make durable. A swap to another log, or the log in use going away, leaves the log with no
 * next append: the engine forces it, so that a power loss later does not bring the finished session back in the log
 * not in use.
 */
class SwapAwayPowerLossTest {

    @TempDir
    Path directory;

    private final PowerLossFileLog disk = new PowerLossFileLog();
    private EngineHarness harness;
    private FileWriteAheadLog walA;
    private FileWriteAheadLog walB;
    private EngineHarness restarted;
    /** session → how often each of its steps ran, in every engine of the test. */
    private final Map<UUID, AtomicInteger> stepRuns = new ConcurrentHashMap<>();
    private FlowDefinition flow;

    @BeforeEach
    void open() throws Exception {
        harness = newHarness(directory.resolve("home"), 1);
        walA = disk.open(harness.directory.resolve("wal-a"), "always");
        walB = FileWriteAheadLog.open(harness.directory.resolve("wal-b"), "always");
    }

    @AfterEach
    void close() throws Exception {
        if (restarted != null) {
            restarted.close();
        }
        harness.stop();
        walA.close();
        walB.close();
    }

    /** @param triggered how many sessions its trigger starts */
    private EngineHarness newHarness(Path home, int triggered) {
        EngineHarness made = new EngineHarness(home);
        TriggerTest.Items items = new TriggerTest.Items(triggered);
        made.trigger("Items", () -> items);
        made.processor("Noop", () -> (input, step) -> {
            stepRuns.computeIfAbsent(step.sessionId(), id -> new AtomicInteger()).incrementAndGet();
            return input;
        });
        return made;
    }

    /**
     * A session started by a trigger runs to its end on log 'a'. Its last completion is forced before its trigger hears of
     * its end, and its end is logged after that, unforced, in a write of its own: no force of log 'a' comes after it.
     */
    private UUID sessionEndedOnA(WriteAheadLog a) throws Exception {
        harness.start(harness.options().build(), a);
        return sessionEnded(a);
    }

    private UUID sessionEnded(WriteAheadLog a) throws Exception {
        flow = harness.activate(withTrigger(TestFlows.flow("swapped", "A->B")));
        harness.awaitEnded(1);
        UUID session = harness.ended.keySet().iterator().next();
        assertFalse(harness.ended.get(session).failed(), harness.ended.get(session).error());
        EngineHarness.await("the end logged", () -> liveIn(a).isEmpty(), () -> liveIn(a));
        assertEquals(2, stepRuns.get(session).get());
        return session;
    }

    private static List<UUID> liveIn(WriteAheadLog log) {
        try {
            return EngineHarness.liveSessions(log);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSessionThatEndedBeforeASwapIsNotRecoveredByAStartOnTheLeftLogAfterAPowerLoss() throws Exception {
        UUID session = sessionEndedOnA(walA);
        List<LogEntry> held = walA.entries();
        LogEntry end = held.get(held.size() - 1);
        assertEquals(LogEntry.Kind.SESSION_FINISHED, end.kind());
        assertFalse(walA.whenDurable(end.sequence()).toCompletableFuture().isDone(), "the end was appended unforced");
        harness.engine.swapWal(walB);
        assertSame(walB, harness.engine.wal());

        // the power goes out: log 'a', no longer in use, keeps only what was forced
        Path copy = directory.resolve("after-power-loss");
        disk.powerLossCopy(harness.directory.resolve("wal-a"), copy.resolve("wal-a"));
        try (FileWriteAheadLog after = FileWriteAheadLog.open(copy.resolve("wal-a"), "always")) {
            assertEquals(List.of(), EngineHarness.liveSessions(after), "log 'a' holds the ended session live after the power loss");
        }

        restarted = newHarness(copy, 0);
        restarted.wal = FileWriteAheadLog.open(copy.resolve("wal-a"), "always");
        restarted.start();
        restarted.activate(flow);
        assertEquals(List.of(), restarted.engine.sessionsInProgress(), "nothing recovered from log 'a'");
        UUID another = restarted.submit(flow, Map.of());
        restarted.awaitEnded(1);
        assertTrue(restarted.ended.containsKey(another), "only the new session ended: " + restarted.ended.keySet());
        assertEquals(2, stepRuns.get(session).get(), "the ended session's steps ran once");
    }

    /** The engine stops on log 'a' and starts on 'b': the start carries from 'a', and leaves it for good too. */
    @Test
    void aSessionThatEndedBeforeAStartOnAnotherLogIsNotLiveInTheLogLeftAfterAPowerLoss() throws Exception {
        Named<WriteAheadLog> a = new Named<>("a", walA);
        Named<WriteAheadLog> b = new Named<>("b", walB);
        Named<FlowManager> store = new Named<>("memory", harness.flows);
        KnownServices known = known(a, b, store);
        harness.start(a, store, known);
        UUID session = sessionEnded(walA);
        List<LogEntry> held = walA.entries();
        assertFalse(walA.whenDurable(held.get(held.size() - 1).sequence()).toCompletableFuture().isDone(),
                "the end was appended unforced");
        harness.engine.stop();
        harness.engine = null;
        harness.start(b, store, known);
        assertSame(walB, harness.engine.wal());

        Path copy = directory.resolve("after-power-loss");
        disk.powerLossCopy(harness.directory.resolve("wal-a"), copy.resolve("wal-a"));
        try (FileWriteAheadLog after = FileWriteAheadLog.open(copy.resolve("wal-a"), "always")) {
            assertEquals(List.of(), EngineHarness.liveSessions(after), "log 'a' holds the ended session live after the power loss");
        }
        assertEquals(2, stepRuns.get(session).get());
    }

    /**
     * Log 'a' goes away (its service unregistered) right after a session ended on it, and 'b' comes. The flow changes and
     * the engine restarts on 'b': the kept definition of the first version is gone by then, as no session of 'b' names
     * it. A power loss then must not leave the session live in 'a': a start on 'a' would recover it on that version,
     * no longer kept, and fail it.
     */
    @Test
    void aSessionThatEndedBeforeItsLogWentAwayIsNotRecoveredOnAVersionNoLongerKeptAfterAPowerLoss() throws Exception {
        Named<WriteAheadLog> a = new Named<>("a", walA);
        Named<WriteAheadLog> b = new Named<>("b", walB);
        Named<FlowManager> store = new Named<>("memory", harness.flows);
        harness.start(a, store, known(a, b, store));
        UUID session = sessionEnded(walA);
        List<LogEntry> held = walA.entries();
        assertFalse(walA.whenDurable(held.get(held.size() - 1).sequence()).toCompletableFuture().isDone(),
                "the end was appended unforced");
        harness.engine.detachWal(walA);
        harness.engine.swapWal(b);
        assertSame(walB, harness.engine.wal());
        FlowDefinition changed = harness.activate(withTrigger(TestFlows.flow("swapped", "A")));
        harness.engine.stop();
        harness.engine = null;
        harness.start(b, store, known(a, b, store));
        assertFalse(Files.exists(harness.directory.resolve("work").resolve(FlowVersions.FOLDER)
                .resolve(FlowVersions.fileName(flow.id(), new FlowVersions(harness.directory).versionOf(flow)))),
                "no session of 'b' names the first version: its definition is gone");
        harness.engine.stop();
        harness.engine = null;

        // the power goes out: log 'a' keeps only what was forced
        Path copy = directory.resolve("after-power-loss");
        copyTree(harness.directory.resolve("work"), copy.resolve("work"));
        copyTree(harness.directory.resolve("wal-b"), copy.resolve("wal-b"));
        disk.powerLossCopy(harness.directory.resolve("wal-a"), copy.resolve("wal-a"));
        restarted = newHarness(copy, 0);
        try (FileWriteAheadLog afterA = FileWriteAheadLog.open(copy.resolve("wal-a"), "always");
                FileWriteAheadLog afterB = FileWriteAheadLog.open(copy.resolve("wal-b"), "always")) {
            assertEquals(List.of(), EngineHarness.liveSessions(afterA), "log 'a' holds the ended session live after the power loss");
            Named<WriteAheadLog> copyA = new Named<>("a", afterA);
            Named<FlowManager> copyStore = new Named<>("memory", restarted.flows);
            restarted.start(copyA, copyStore, known(copyA, new Named<>("b", afterB), copyStore));
            assertEquals(List.of(), restarted.engine.sessionsInProgress(), "nothing recovered from log 'a'");
            UUID another = restarted.submit(restarted.activate(changed), Map.of());
            restarted.awaitEnded(1);
            assertEquals(Set.of(another), restarted.ended.keySet(), "only the new session ended, none failed on its version");
            restarted.engine.stop();
            restarted.engine = null;
        }
        assertEquals(2, stepRuns.get(session).get(), "the ended session's steps ran once");
    }

    /**
     * As a power loss, a force of log 'a' failing after it went away (telling it the handovers it is owed, or its close)
     * cuts what it did not cover off the log: the session must not come back live in it.
     */
    @Test
    void aSessionThatEndedBeforeItsLogWentAwayStaysEndedThereWhenALaterForceOfTheLogFails() throws Exception {
        Named<WriteAheadLog> a = new Named<>("a", walA);
        Named<WriteAheadLog> b = new Named<>("b", walB);
        Named<FlowManager> store = new Named<>("memory", harness.flows);
        harness.start(a, store, known(a, b, store));
        sessionEnded(walA);
        List<LogEntry> held = walA.entries();
        assertFalse(walA.whenDurable(held.get(held.size() - 1).sequence()).toCompletableFuture().isDone(),
                "the end was appended unforced");
        harness.engine.detachWal(walA);
        harness.engine.swapWal(b);
        assertSame(walB, harness.engine.wal());

        disk.failForces();
        assertThrows(WriteAheadLogException.class, walA::close, "the close of log 'a' could not force it");
        try (FileWriteAheadLog reopened = FileWriteAheadLog.open(harness.directory.resolve("wal-a"), "always")) {
            assertEquals(List.of(), EngineHarness.liveSessions(reopened), "log 'a' holds the ended session live after its failed force");
        }
    }

    /** A log going away whose force fails may have lost its last ends: the engine takes no other log until it is back. */
    @Test
    void aLogThatWentAwayWhoseForceFailedIsTheOnlyLogTheEngineTakesNext() throws Exception {
        WriteAheadLog failingForce = new ForceFails(walA);
        sessionEndedOnA(failingForce);
        harness.engine.detachWal(failingForce);
        WriteAheadLogException refused = assertThrows(WriteAheadLogException.class, () -> harness.engine.swapWal(walB));
        assertTrue(refused.getMessage().contains("takes no other log"), refused.getMessage());
        assertEquals(null, harness.engine.wal(), "the engine waits for the log that went away");
        assertEquals(List.of(), EngineHarness.liveSessions(walB), "nothing was carried into 'b'");
    }

    @Test
    void aSwapWhoseForceOfTheLeftLogFailsIsRefusedAndTheEngineStaysOnIt() throws Exception {
        WriteAheadLog failingForce = new ForceFails(walA);
        sessionEndedOnA(failingForce);
        WriteAheadLogException refused = assertThrows(WriteAheadLogException.class, () -> harness.engine.swapWal(walB));
        assertTrue(refused.getMessage().contains("disk gone"), refused.getMessage());
        assertSame(failingForce, harness.engine.wal(), "the engine stays on the log it could not leave durably");
        assertFalse(harness.engine.gateClosed(), "steps run again");
        assertEquals(List.of(), EngineHarness.liveSessions(walB), "nothing was carried into 'b'");

        UUID another = harness.submit(flow, Map.of());
        EngineHarness.await("a session after the refused swap ended", () -> harness.ended.containsKey(another),
                harness.ended::keySet);
        assertEquals(2, stepRuns.get(another).get());
    }

    private static FlowDefinition withTrigger(FlowDefinition plain) {
        return plain.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(plain.id(), "T")).name("T")
                .type("Items").build()).build();
    }

    private static KnownServices known(Named<WriteAheadLog> a, Named<WriteAheadLog> b, Named<FlowManager> store) {
        return EngineHarness.known(List.of(a, b), List.of(store));
    }

    /** Copies a folder whose files are all closed or durable as they are (the work folder, a log forced on close). */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (!path.getFileName().toString().endsWith(".lock")) {
                    Files.copy(path, target);
                }
            }
        }
    }

    /** A file log whose {@code force()} fails, as a failed fsync does. */
    private static final class ForceFails extends DelegatingLog {
        ForceFails(WriteAheadLog log) {
            super(log);
        }

        @Override
        public void force() throws WriteAheadLogException {
            throw new WriteAheadLogException("cannot force: disk gone");
        }
    }
}
