package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.After;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

import streamline.api.engine.Engine;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.wal.WriteAheadLog;

/**
 * A framework stopped in the middle of sessions, and a new framework on the same file write-ahead
 * log and work directory: every session completes, and no step that had finished runs again (each
 * method runs in a framework of its own, in order).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class RecoveryIT extends RuntimeTestSupport {

    private static final int SESSIONS = 30;
    private static final UUID FLOW = FlowDefinition.idFromName("itest-recovery");

    private static Path shared(String name) {
        String key = "streamline.itests.recovery." + name;
        if (System.getProperty(key) == null) {
            System.setProperty(key, new File(System.getProperty("streamline.itests.work", "target/itest-work"),
                    "recovery-" + name + "-" + System.nanoTime()).getAbsolutePath());
        }
        return Path.of(System.getProperty(key));
    }

    @After
    public void tearDown() {
        stopListening();
    }

    /**
     * The flow: A and B record their runs; H holds while the shared {@code hold} file exists (a minute at most); R
     * writes the result once. Both frameworks save this same definition: a recovered session finishes on the version
     * it started on, so what lets H go on is the file, not a changed flow.
     */
    private static FlowDefinition recoveryFlow() {
        Map<String, Object> recorded = Map.of("tag", "A", "runs", shared("runs").toString());
        return flow("itest-recovery",
                processor(FLOW, "A", "ITestAppend", recorded, "B", "H"),
                processor(FLOW, "B", "ITestAppend", Map.of("tag", "B", "runs", shared("runs").toString()), "R"),
                processor(FLOW, "H", "ITestHold", Map.of("millis", "60000", "whileExists", shared("hold").toString()), "R"),
                processor(FLOW, "R", "ITestResult", Map.of("dir", shared("results").toString())));
    }

    private Engine engineOnSharedFolders() throws Exception {
        Files.createDirectories(shared("runs"));
        Files.createDirectories(shared("results"));
        configure("streamline.wal.file", Map.of("directory", shared("wal").toString()));
        awaitService(WriteAheadLog.class, "(&(streamline.wal.type=file)(directory=" + shared("wal") + "))");
        Map<String, Object> runtime = new HashMap<>();
        runtime.put("poll.interval.ms", 50L);
        runtime.put("stop.grace.seconds", 1L);
        runtime.put("workers", 64); // H holds one worker per session in the first framework
        runtime.put("work.directory", shared("work").toString());
        runtime.put("wal.target", "(&(streamline.wal.type=file)(directory=" + shared("wal") + "))");
        runtime.put("flowManager.target", "(streamline.flow.type=memory)");
        configure("streamline.runtime", runtime);
        return awaitService(Engine.class, "(work.directory=" + shared("work") + ")");
    }

    private static Map<String, Long> runs() throws Exception {
        Path log = shared("runs").resolve("runs.log");
        if (!Files.exists(log)) {
            return Map.of();
        }
        return Files.readAllLines(log).stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Test
    public void a_sessionsRunUntilTheFrameworkStops() throws Exception {
        Engine engine = engineOnSharedFolders();
        Files.write(shared("hold"), new byte[0]);
        awaitService(FlowManager.class, "(streamline.flow.type=memory)").save(recoveryFlow());
        for (int i = 0; i < SESSIONS; i++) {
            submitWhenActive(engine, FLOW, "s-" + i);
        }
        // A and B done everywhere, H holding: the framework stops in the middle of every session
        await("A and B ran for every session", () -> {
            try {
                return runs().size() == 2 * SESSIONS;
            } catch (Exception e) {
                return false;
            }
        }, () -> {
            try {
                return runs().size();
            } catch (Exception e) {
                return e;
            }
        });
        assertEquals(SESSIONS, engine.sessionsInProgress().size());
        assertEquals(0, filesIn(shared("results")));
    }

    @Test
    public void b_aNewFrameworkCompletesEverySessionWithoutRepeatingAFinishedStep() throws Exception {
        SessionRecorder sessions = listen();
        Engine engine = engineOnSharedFolders();
        // the flow store is in memory: the same definition is saved again (stable ids); H no longer holds
        Files.deleteIfExists(shared("hold"));
        awaitService(FlowManager.class, "(streamline.flow.type=memory)").save(recoveryFlow());
        await(SESSIONS + " sessions ended", () -> sessions.ended.size() == SESSIONS, sessions.ended::size);
        assertEquals(List.of(), sessions.failures());
        // R joins B ("AB") and H (passes A's "A" on), merged in definition order: H's value is the last
        assertEveryResult(shared("results"), SESSIONS, "A");
        Map<String, Long> runs = runs();
        assertEquals("A and B ran once per session, before the stop", 2 * SESSIONS, runs.size());
        assertTrue("no step ran twice: " + runs, runs.values().stream().allMatch(count -> count == 1));
        assertTrue(engine.sessionsInProgress().isEmpty());
    }
}
