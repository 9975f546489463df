package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import streamline.api.engine.Engine;
import streamline.api.engine.SessionInfo;
import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.ProcessorDefinition;

/**
 * The engine's session semantics in Felix with real bundles: a linear flow with an expression,
 * retries with backoff, a session that fails (and what is kept of it), and a step over its timeout.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EngineBehaviourIT extends RuntimeTestSupport {

    @After
    public void tearDown() {
        stopListening();
    }

    private Engine engine() throws Exception {
        configure("streamline.runtime", Map.of("poll.interval.ms", 50L, "stop.grace.seconds", 1L, "step.timeout.seconds", 1L,
                "flowManager.target", "(streamline.flow.type=memory)"));
        return awaitService(Engine.class, "(step.timeout.seconds=1)");
    }

    private static ProcessorDefinition withRetries(ProcessorDefinition processor, int retries, int backoffSeconds) {
        return processor.toBuilder().maxRetries(retries).backoffSeconds(backoffSeconds).build();
    }

    private SessionUpdate runOne(Engine engine, FlowDefinition flow, String mark) throws Exception {
        awaitService(FlowManager.class, "(streamline.flow.type=memory)").save(flow);
        UUID session = submitWhenActive(engine, flow.id(), mark);
        await("session " + mark + " ended", () -> recorder.ended.containsKey(session), recorder.ended::keySet);
        return recorder.ended.get(session);
    }

    @Test
    public void aLinearFlowEvaluatesExpressionsOverTheSessionMetadata() throws Exception {
        Engine engine = engine();
        listen();
        Path results = newFolder("linear");
        UUID id = FlowDefinition.idFromName("itest-linear");
        FlowDefinition flow = flow("itest-linear",
                processor(id, "A", "ITestAppend", Map.of("tag", "A"), "B"),
                processor(id, "B", "ITestAppend", Map.of("tag", "-${path}-"), "C"),
                processor(id, "C", "ITestResult", Map.of("dir", results.toString())));
        SessionUpdate end = runOne(engine, flow, "s-0");
        assertEquals("", end.error());
        assertEquals("A-A-", Files.readString(results.resolve("s-0")));
    }

    @Test
    public void aFailingStepIsRetriedWithBackoffUntilItSucceeds() throws Exception {
        Engine engine = engine();
        listen();
        Path results = newFolder("retry");
        UUID id = FlowDefinition.idFromName("itest-retry");
        FlowDefinition flow = flow("itest-retry",
                withRetries(processor(id, "F", "ITestFail", Map.of("succeedAt", "2"), "R"), 3, 1),
                processor(id, "R", "ITestResult", Map.of("dir", results.toString())));
        long started = System.nanoTime();
        SessionUpdate end = runOne(engine, flow, "s-0");
        assertEquals("", end.error());
        assertTrue("two backoffs of 1 s", System.nanoTime() - started >= 2_000_000_000L);
    }

    @Test
    public void aSessionThatExhaustsItsRetriesFailsAndItsInputIsKept() throws Exception {
        Engine engine = engine();
        listen();
        UUID id = FlowDefinition.idFromName("itest-fail");
        FlowDefinition flow = flow("itest-fail", withRetries(processor(id, "F", "ITestFail", Map.of("succeedAt", "99")), 1, 0));
        SessionUpdate end = runOne(engine, flow, "s-0");
        assertTrue(end.error(), end.error().contains("processor F (type ITestFail) failed after 2 attempts"));
        List<SessionInfo> failed = engine.failedSessions();
        assertTrue(failed.stream().anyMatch(info -> info.sessionId().equals(end.sessionId())
                && info.status() == SessionInfo.Status.FAILED && info.error().equals(end.error())));
    }

    @Test
    public void aStepOverItsTimeoutFails() throws Exception {
        Engine engine = engine();
        listen();
        UUID id = FlowDefinition.idFromName("itest-timeout");
        FlowDefinition flow = flow("itest-timeout", processor(id, "H", "ITestHold", Map.of("millis", "30000")));
        SessionUpdate end = runOne(engine, flow, "s-0");
        assertTrue(end.error(), end.error().contains("TimeoutException: step exceeded the step timeout of 1 s"));
    }
}
