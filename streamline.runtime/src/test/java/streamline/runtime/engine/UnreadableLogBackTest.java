package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.processor.Processor;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;
import streamline.wal.file.PowerLossFileLog;

/**
 * The log in use goes away and its force fails, so the engine takes no other log until it is back. The failed force cut
 * what it did not cover off the log (a step's completion, appended unforced): the log that comes back holds the session
 * as it was before that completion, while the engine's session went on past it. What the engine then writes into the
 * log must still make a session the log can recover after a crash.
 */
class UnreadableLogBackTest {

    @TempDir
    Path directory;

    private final PowerLossFileLog disk = new PowerLossFileLog();
    private EngineHarness harness;
    private FileWriteAheadLog reopened;
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

    @AfterEach
    void tearDown() throws Exception {
        if (harness != null) {
            harness.stop();
        }
        if (reopened != null) {
            reopened.close();
        }
    }

    @Test
    void aSessionThatWentOnPastWhatTheFailedForceCutIsRecoveredWholeFromTheLogThatCameBack() throws Exception {
        harness = new EngineHarness(directory);
        AtomicReference<ProcessorRegistry.Provider<Processor>> later = new AtomicReference<>();
        CountDownLatch cHolds = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        harness.processor("Noop", () -> (input, step) -> {
            runs.computeIfAbsent(step.processorName(), name -> new AtomicInteger()).incrementAndGet();
            if (step.processorName().equals("A") && later.get() != null) {
                // B's provider goes away as A runs: B parks, outside the gate, and nothing more is written
                harness.registry.removeProcessor(later.getAndSet(null));
            }
            if (step.processorName().equals("C") && harness.engine != null && cHolds.getCount() > 0) {
                cHolds.countDown();
                never.await(); // holds C running until the engine stops: a crash before the session ends
            }
            return input;
        });
        later.set(harness.processor("Later", () -> (input, step) -> {
            runs.computeIfAbsent(step.processorName(), name -> new AtomicInteger()).incrementAndGet();
            return input;
        }));
        FileWriteAheadLog walA = disk.open(directory.resolve("wal-a"), "always");
        Named<WriteAheadLog> a = new Named<>("a", walA);
        Named<FlowManager> store = new Named<>("memory", harness.flows);
        harness.start(a, store, known(a, store));
        FlowDefinition flow = harness.activate(EngineTest.withProcessor(TestFlows.flow("cut", "A->B->C"), "B", b -> b.type("Later")));
        UUID session = harness.submit(flow, Map.of());
        EngineHarness.await("B parked without a provider", () -> later.get() == null && entries(walA).stream()
                .anyMatch(entry -> entry.kind() == LogEntry.Kind.STEP_STARTED && "B".equals(entry.processorName())),
                () -> entries(walA));
        List<LogEntry> written = entries(walA);
        assertFalse(walA.whenDurable(written.get(written.size() - 1).sequence()).toCompletableFuture().isDone(),
                "A's completion was appended unforced");

        disk.failForces();
        harness.engine.detachWal(walA);
        try {
            walA.close();
        } catch (Exception e) {
            // its force fails too: the log keeps what was forced
        }
        reopened = FileWriteAheadLog.open(directory.resolve("wal-a"), "always");
        assertFalse(reopened.entries().stream().anyMatch(entry -> entry.kind() == LogEntry.Kind.STEP_COMPLETED),
                "the failed force cut A's completion off the log: " + reopened.entries());
        harness.engine.swapWal(new Named<>("a", reopened));
        assertSame(reopened, harness.engine.wal(), "the log that went away is back");

        harness.processor("Later", () -> (input, step) -> {
            runs.computeIfAbsent(step.processorName(), name -> new AtomicInteger()).incrementAndGet();
            return input;
        });
        cHolds.await();
        harness.engine.stop(); // C is interrupted: it runs again after the next start
        harness.engine = null;

        harness.start(new Named<>("a", reopened), store, known(new Named<>("a", reopened), store));
        harness.awaitEnded(1);
        assertEquals("", harness.ended.get(session).error(), "the session recovered from the log that came back ends well: "
                + reopened.entries());
        assertEquals(1, runs.get("A").get(), "A's completion, cut off the log, was written again when the log came back");
    }

    private static List<LogEntry> entries(WriteAheadLog log) {
        try {
            return log.entries();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KnownServices known(Named<WriteAheadLog> log, Named<FlowManager> store) {
        return EngineHarness.known(List.of(log), List.of(store));
    }
}
