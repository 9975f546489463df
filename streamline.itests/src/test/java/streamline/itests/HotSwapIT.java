package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import streamline.api.engine.Engine;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.processor.FlowObject;
import streamline.api.wal.WriteAheadLog;

/**
 * The write-ahead log switched through Config Admin (file ↔ JPA) several times while sessions
 * run: every session completes once, none is lost, none runs a step twice.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotSwapIT extends RuntimeTestSupport {

    @After
    public void tearDown() {
        stopListening();
    }

    private Map<String, Object> runtime(String walType) {
        Map<String, Object> config = new HashMap<>();
        config.put("poll.interval.ms", 50L);
        config.put("stop.grace.seconds", 1L);
        config.put("flowManager.target", "(streamline.flow.type=memory)");
        config.put("wal.target", "(streamline.wal.type=" + walType + ")");
        return config;
    }

    @Test
    public void theLogIsSwappedUnderContinuousLoadWithoutLosingOrRepeatingASession() throws Exception {
        WriteAheadLog file = awaitService(WriteAheadLog.class, "(streamline.wal.type=file)");
        WriteAheadLog jpa = awaitService(WriteAheadLog.class, "(streamline.wal.type=jpa)");
        configure("streamline.runtime", runtime("file"));
        // the engine with this configuration (a configuration change restarts it)
        Engine engine = awaitService(Engine.class, "(poll.interval.ms=50)");
        SessionRecorder sessions = listen();
        Path results = newFolder("swap-results");
        UUID id = FlowDefinition.idFromName("itest-swap");
        awaitService(FlowManager.class, "(streamline.flow.type=memory)").save(flow("itest-swap",
                processor(id, "A", "ITestAppend", Map.of("tag", "A"), "B", "C"),
                processor(id, "B", "ITestAppend", Map.of("tag", "B"), "R"),
                processor(id, "C", "ITestAppend", Map.of("tag", "C"), "R"),
                processor(id, "R", "ITestResult", Map.of("dir", results.toString()))));
        submitWhenActive(engine, id, "s-0");
        int count = 2000;
        AtomicReference<Throwable> submitError = new AtomicReference<>();
        Thread submitter = new Thread(() -> {
            try {
                for (int i = 1; i < count; i++) {
                    engine.submit(id, new FlowObject(Map.of(), "s-" + i), null);
                    if (i % 50 == 0) {
                        // keep the sessions in flight bounded, so the switches happen while sessions run
                        await("fewer than 200 sessions in flight", () -> engine.sessionsInProgress().size() < 200,
                                () -> engine.sessionsInProgress().size());
                    }
                }
            } catch (Throwable e) {
                submitError.set(e);
            }
        }, "itest-submitter");
        submitter.start();
        List<String> order = List.of("jpa", "file", "jpa", "file");
        for (String type : order) {
            // each switch once another batch of sessions went through the log in use
            int target = sessions.ended.size() + 100;
            await("100 more sessions ended before switching to " + type, () -> sessions.ended.size() >= Math.min(target, count),
                    sessions.ended::size);
            configure("streamline.runtime", runtime(type));
        }
        submitter.join(TIMEOUT.toMillis());
        assertEquals("submitting failed", null, submitError.get());
        await(count + " sessions ended", () -> sessions.ended.size() == count,
                () -> sessions.ended.size() + " ended, " + engine.sessionsInProgress().size() + " in progress");
        assertEquals("failures (a step that ran twice fails its session)", List.of(), sessions.failures());
        assertEquals("sessions reported ended twice", Map.of(), sessions.repeats);
        assertEveryResult(results, count, "AC");
        assertTrue("nothing unfinished in the file log", file.unfinishedSteps().isEmpty());
        assertTrue("nothing unfinished in the JPA log", jpa.unfinishedSteps().isEmpty());
    }
}
