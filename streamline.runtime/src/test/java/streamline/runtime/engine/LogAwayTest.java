package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The write-ahead log in use goes away (its service unregistered), its unfinished sessions are carried into the next
 * log that comes, and they finish there: the log that went away must not keep them live, whether the engine switches
 * back to it, starts on it, or is killed right after the carry.
 */
class LogAwayTest {

    private static final int SESSIONS = 4;

    @TempDir
    Path directory;

    /** The engine's home: its work folder and both logs, copied whole for a kill. */
    Path home;
    EngineHarness harness;
    FileWriteAheadLog walA;
    FileWriteAheadLog walB;
    /** The second engine of a kill, on the copy of the home, and its logs. */
    EngineHarness restarted;
    FileWriteAheadLog restartedA;
    FileWriteAheadLog restartedB;
    FlowDefinition flow;
    final CountDownLatch releaseFirstSteps = new CountDownLatch(1);
    /** Held until the test knows where the sessions are (a kill is taken before any second step ran). */
    final CountDownLatch releaseSecondSteps = new CountDownLatch(1);
    final AtomicInteger firstStepsEntered = new AtomicInteger();
    final Map<UUID, AtomicInteger> secondStepRuns = new ConcurrentHashMap<>();

    @BeforeEach
    void open() throws Exception {
        home = directory.resolve("home");
        harness = newHarness(home);
        walA = FileWriteAheadLog.open(home.resolve("wal-a"), "always");
        walB = FileWriteAheadLog.open(home.resolve("wal-b"), "always");
    }

    @AfterEach
    void close() throws Exception {
        harness.stop();
        walA.close();
        walB.close();
        if (restarted != null) {
            restarted.stop();
            restartedA.close();
            restartedB.close();
        }
    }

    private EngineHarness newHarness(Path folder) {
        EngineHarness made = new EngineHarness(folder);
        made.processor("Hold", () -> (input, step) -> {
            firstStepsEntered.incrementAndGet();
            releaseFirstSteps.await();
            return input;
        });
        made.processor("Count", () -> (input, step) -> {
            releaseSecondSteps.await();
            secondStepRuns.computeIfAbsent(step.sessionId(), id -> new AtomicInteger()).incrementAndGet();
            return input;
        });
        return made;
    }

    private static KnownServices known(List<Named<WriteAheadLog>> wals, Named<FlowManager> store) {
        return EngineHarness.known(wals, List.of(store));
    }

    private static Named<FlowManager> store(EngineHarness engine) {
        return new Named<>("memory", engine.flows);
    }

    private KnownServices bothLogs() {
        return known(List.of(new Named<>("a", walA), new Named<>("b", walB)), store(harness));
    }

    /**
     * On log 'a', sessions complete their first step while the log goes away (so its last entries are what the engine
     * holds to carry over), then log {@code next} comes and takes them.
     */
    private List<UUID> sessionsCarriedFromAToALogThatCame(WriteAheadLog next) throws Exception {
        List<UUID> sessions = sessionsInTheirFirstStepOn(walA, "away");
        goesAwayAsTheFirstStepsComplete(walA);
        assertEquals(SESSIONS, EngineHarness.liveSessions(walA).size(), "log 'a' held the sessions when it went away");
        harness.engine.swapWal(new Named<>("b", next));
        return sessions;
    }

    /** Starts the engine on {@code log} as 'a' and {@link #SESSIONS} sessions of a flow, each held in its first step. */
    private List<UUID> sessionsInTheirFirstStepOn(WriteAheadLog log, String flowName) throws Exception {
        harness.start(new Named<>("a", log), store(harness), bothLogs());
        flow = harness.activate(EngineTest.withProcessor(EngineTest.withProcessor(TestFlows.flow(flowName, "A->B"), "A",
                b -> b.type("Hold")), "B", b -> b.type("Count")));
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            sessions.add(harness.submit(flow, Map.of("n", i)));
        }
        EngineHarness.await("every session inside its first step", () -> firstStepsEntered.get() == SESSIONS, firstStepsEntered::get);
        return sessions;
    }

    /** Log {@code leaving} goes away while the first steps run: they complete into it, then the quiesce ends. */
    private void goesAwayAsTheFirstStepsComplete(WriteAheadLog leaving) throws InterruptedException {
        StreamlineEngine engine = harness.engine;
        Thread goesAway = new Thread(() -> engine.detachWal(leaving), "log-a-goes-away");
        goesAway.start();
        EngineHarness.await("the engine quiescing as log 'a' goes away", engine::gateClosed, goesAway::getState);
        releaseFirstSteps.countDown();
        goesAway.join(EngineHarness.TIMEOUT.toMillis());
        assertFalse(goesAway.isAlive(), "the detach did not end");
    }

    /** Waits until every session ended once, ran its second step once, and log {@code b} holds none of them. */
    private void finishedOnceIn(EngineHarness engine, List<UUID> sessions, WriteAheadLog b) {
        releaseSecondSteps.countDown();
        engine.awaitEnded(sessions.size());
        for (UUID session : sessions) {
            assertFalse(engine.ended.get(session).failed(), engine.ended.get(session).error());
            assertEquals(1, secondStepRuns.get(session).get(), "the second step of session " + session + " ran once");
        }
        EngineHarness.await("the sessions finished in the log that took them", () -> liveIn(b).isEmpty(), () -> liveIn(b));
    }

    /** Runs one more session to its end on {@code engine}: whatever was recovered twice has run by then. */
    private void oneMoreSessionEnds(EngineHarness engine, List<UUID> sessions) throws Exception {
        EngineHarness.await("flow active", () -> engine.engine.activeFlows().values().stream().anyMatch(List::isEmpty),
                engine.engine::activeFlows);
        UUID another = engine.submit(flow, Map.of("n", "another"));
        EngineHarness.await("one more session ended", () -> engine.ended.containsKey(another), engine.ended::keySet);
        for (UUID session : sessions) {
            assertEquals(1, secondStepRuns.get(session).get(), "the second step of session " + session + " ran once");
        }
    }

    private static List<UUID> liveIn(WriteAheadLog log) {
        try {
            return EngineHarness.liveSessions(log);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sessionsCarriedFromALogThatWentAwayAreNotRecoveredAgainWhenTheEngineSwitchesBackToIt() throws Exception {
        List<UUID> sessions = sessionsCarriedFromAToALogThatCame(walB);
        finishedOnceIn(harness, sessions, walB);

        harness.engine.swapWal(new Named<>("a", walA));
        assertEquals(List.of(), harness.engine.sessionsInProgress(), "nothing recovered from log 'a'");
        assertEquals(List.of(), liveIn(walA), "log 'a' holds none of the sessions that ended on 'b' live");
        oneMoreSessionEnds(harness, sessions);
    }

    @Test
    void sessionsCarriedFromALogThatWentAwayAreNotRecoveredAgainByAStartOnIt() throws Exception {
        List<UUID> sessions = sessionsCarriedFromAToALogThatCame(walB);
        finishedOnceIn(harness, sessions, walB);
        harness.engine.stop();
        harness.engine = null;

        // the operator selects 'a' again while the engine is stopped
        harness.start(new Named<>("a", walA), store(harness), bothLogs());
        assertEquals(List.of(), harness.engine.sessionsInProgress(), "nothing recovered from log 'a'");
        assertEquals(List.of(), liveIn(walA), "log 'a' holds none of the sessions that ended on 'b' live");
        oneMoreSessionEnds(harness, sessions);
    }

    @Test
    void aLogThatWentAwayAndCameBackWhileAnotherIsInUseIsToldItsSessionsWereHandedOver() throws Exception {
        List<UUID> sessions = sessionsCarriedFromAToALogThatCame(walB);
        finishedOnceIn(harness, sessions, walB);

        harness.engine.logPresent("a", bothLogs()); // its service is registered again, the engine stays on 'b'
        assertEquals(List.of(), liveIn(walA), "log 'a' holds none of the sessions that ended on 'b' live");
        assertEquals(walB, harness.engine.wal());
    }

    /**
     * Two logs recorded by the same name (a second service of one type): a swap between them cannot leave a debt to the
     * one left (its name is the new one's), so it tells it at once, as a swap between unnamed logs does.
     */
    @Test
    void aSwapBetweenTwoLogsOfTheSameNameTellsTheOneLeftItsSessionsWereHandedOver() throws Exception {
        List<UUID> sessions = sessionsInTheirFirstStepOn(walA, "same");
        StreamlineEngine engine = harness.engine;
        AtomicBoolean swapFailed = new AtomicBoolean();
        Thread swap = new Thread(() -> {
            try {
                engine.swapWal(new Named<>("a", walB));
            } catch (WriteAheadLogException e) {
                swapFailed.set(true);
            }
        }, "swap-to-a-log-of-the-same-name");
        swap.start();
        EngineHarness.await("the engine quiescing for the swap", engine::gateClosed, swap::getState);
        releaseFirstSteps.countDown();
        swap.join(EngineHarness.TIMEOUT.toMillis());
        assertFalse(swap.isAlive(), "the swap did not end");
        assertFalse(swapFailed.get(), "the swap failed");
        assertEquals(walB, engine.wal());
        assertEquals(List.of(), liveIn(walA), "the log left holds none of the sessions carried out of it live");
        finishedOnceIn(harness, sessions, walB);
    }

    /**
     * The log in use goes away failed, its unfinished sessions unreadable: they are still in it, so the sessions the
     * engine ran from it must not go on in another log (that log's return would run them again). The engine takes no
     * other log until that one comes back, and then goes on in it.
     */
    @Test
    void aLogThatWentAwayWithItsSessionsUnreadableIsTheOnlyLogTheEngineTakesNext() throws Exception {
        AtomicBoolean unreadable = new AtomicBoolean();
        WriteAheadLog failing = new DelegatingLog(walA) {
            @Override
            public List<LogEntry> liveEntries() throws WriteAheadLogException {
                if (unreadable.get()) {
                    throw new WriteAheadLogException("failed: a force failed and it refuses every call until reopened");
                }
                return super.liveEntries();
            }
        };
        List<UUID> sessions = sessionsInTheirFirstStepOn(failing, "unreadable");
        StreamlineEngine engine = harness.engine;
        unreadable.set(true);
        goesAwayAsTheFirstStepsComplete(failing);

        WriteAheadLogException refused = org.junit.jupiter.api.Assertions.assertThrows(WriteAheadLogException.class,
                () -> engine.swapWal(new Named<>("b", walB)), "log 'b' came while the sessions of 'a' were unreadable");
        assertTrue(refused.getMessage().contains("'a'"), refused.getMessage());
        assertEquals(null, engine.wal(), "the engine waits for log 'a'");
        assertEquals(List.of(), liveIn(walB), "nothing went on in log 'b'");

        engine.swapWal(new Named<>("a", walA)); // log 'a' comes back, readable (its service registered again)
        finishedOnceIn(harness, sessions, walA);
        assertEquals(List.of(), liveIn(walB));
    }

    /** Kill right after the attach returned; the new engine starts on the log the sessions were carried to. */
    @Test
    void aKillRightAfterTheCarryKeepsExactlyOnceWhenTheNewEngineStartsOnTheLogThatTookTheSessions() throws Exception {
        List<UUID> sessions = sessionsCarriedFromAToALogThatCame(walB);
        killAndRestartOnCopy("b");
        finishedOnceIn(restarted, sessions, restartedB);

        restarted.engine.swapWal(new Named<>("a", restartedA));
        assertEquals(List.of(), restarted.engine.sessionsInProgress(), "nothing recovered from log 'a'");
        assertEquals(List.of(), liveIn(restartedA), "log 'a' holds none of the sessions that ended on 'b' live");
        oneMoreSessionEnds(restarted, sessions);
    }

    /**
     * Kill once the carried entries are in log 'b', before the engine moved to it; the new engine starts on the log
     * it used last, 'a', and finishes the sessions there: 'b' must not keep the copies live.
     */
    @Test
    void aKillInsideTheCarryKeepsExactlyOnceWhenTheNewEngineStartsOnTheLogThatWentAway() throws Exception {
        AtomicBoolean killArmed = new AtomicBoolean(true);
        WriteAheadLog killedAfterAppend = new DelegatingLog(walB) {
            @Override
            public long appendAll(List<LogEntry> entries) throws WriteAheadLogException {
                long sequence = super.appendAll(entries);
                if (killArmed.getAndSet(false)) {
                    copyHome(); // the process dies here: what the disks hold is what the copy holds
                }
                return sequence;
            }
        };
        List<UUID> sessions = sessionsCarriedFromAToALogThatCame(killedAfterAppend);
        assertFalse(killArmed.get(), "the carried entries were appended");
        startOnCopy("a");
        finishedOnceIn(restarted, sessions, restartedA);

        restarted.engine.swapWal(new Named<>("b", restartedB));
        assertEquals(List.of(), restarted.engine.sessionsInProgress(), "nothing recovered from log 'b'");
        assertEquals(List.of(), liveIn(restartedB), "log 'b' holds none of the sessions that ended on 'a' live");
        oneMoreSessionEnds(restarted, sessions);
    }

    private void killAndRestartOnCopy(String log) throws Exception {
        copyHome();
        startOnCopy(log);
    }

    private void startOnCopy(String log) throws Exception {
        harness.engine.stop(); // the killed process's engine: only its threads are let go, the copy is what counts
        harness.engine = null;
        Path copy = directory.resolve("killed");
        restarted = newHarness(copy);
        restartedA = FileWriteAheadLog.open(copy.resolve("wal-a"), "always");
        restartedB = FileWriteAheadLog.open(copy.resolve("wal-b"), "always");
        Named<WriteAheadLog> a = new Named<>("a", restartedA);
        Named<WriteAheadLog> b = new Named<>("b", restartedB);
        restarted.flows.save(flow);
        restarted.start(log.equals("a") ? a : b, store(restarted), known(List.of(a, b), store(restarted)));
    }

    private void copyHome() {
        Path copy = directory.resolve("killed");
        try (Stream<Path> paths = Files.walk(home)) {
            for (Path path : paths.toList()) {
                Path target = copy.resolve(home.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (Files.isRegularFile(path) && !path.getFileName().toString().endsWith(".lock")) {
                    Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not copy " + home, e);
        }
    }
}
