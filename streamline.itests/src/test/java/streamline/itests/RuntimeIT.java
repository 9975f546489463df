package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;

import streamline.api.engine.Engine;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;

/**
 * The engine in Felix: flows of processors contributed by another bundle (the test module's own
 * bundle, built against streamline.api only), a fan-out and join, and that bundle stopped and started
 * again in the middle of sessions.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class RuntimeIT extends RuntimeTestSupport {

    @Override
    protected Option extraOptions() {
        return composite(super.extraOptions(), projectBundle("streamline.processors.standard"));
    }

    private Engine engine() throws Exception {
        configure("streamline.runtime", Map.of("poll.interval.ms", 50L, "stop.grace.seconds", 1L,
                "flowManager.target", "(streamline.flow.type=memory)"));
        // the engine with this configuration (a configuration change restarts it)
        return awaitService(Engine.class, "(poll.interval.ms=50)");
    }

    @After
    public void tearDown() {
        stopListening();
    }

    private static long inProgress(Engine engine, UUID flowId) {
        return engine.sessionsInProgress().stream().filter(session -> session.flowId().equals(flowId)).count();
    }

    @Test
    public void runsAFanOutAndJoinFlowWithProcessorsFromAnotherBundle() throws Exception {
        Engine engine = engine();
        SessionRecorder sessions = listen();
        Path results = newFolder("results");
        UUID id = FlowDefinition.idFromName("itest-diamond");
        FlowDefinition flow = flow("itest-diamond",
                processor(id, "A", "ITestAppend", Map.of("tag", "A"), "B", "C"),
                processor(id, "B", "ITestAppend", Map.of("tag", "B"), "D"),
                processor(id, "C", "ITestAppend", Map.of("tag", "C"), "D"),
                processor(id, "D", "ITestResult", Map.of("dir", results.toString())));
        awaitService(FlowManager.class, "(streamline.flow.type=memory)").save(flow);
        int count = 100;
        for (int i = 0; i < count; i++) {
            submitWhenActive(engine, id, "s-" + i);
        }
        await(count + " sessions ended", () -> sessions.ended.size() == count, sessions.ended::size);
        assertEquals("failures", List.of(), sessions.failures());
        // the join merges B's and C's outputs in definition order: C's "path" is the last
        assertEveryResult(results, count, "AC");
        await("no session of the flow in progress", () -> inProgress(engine, id) == 0, () -> inProgress(engine, id));
    }

    @Test
    public void aProcessorBundleStoppedInTheMiddleOfSessionsLosesNothing() throws Exception {
        Engine engine = engine();
        SessionRecorder sessions = listen();
        Path results = newFolder("results");
        UUID id = FlowDefinition.idFromName("itest-provider");
        FlowDefinition flow = flow("itest-provider",
                processor(id, "A", "ITestAppend", Map.of("tag", "A"), "H"),
                processor(id, "H", "ITestHold", Map.of("millis", "40"), "R"),
                processor(id, "R", "ITestResult", Map.of("dir", results.toString())));
        awaitService(FlowManager.class, "(streamline.flow.type=memory)").save(flow);
        int count = 300;
        for (int i = 0; i < count; i++) {
            submitWhenActive(engine, id, "s-" + i);
        }
        await("some sessions done", () -> filesIn(results) >= 20, () -> filesIn(results));
        Bundle processors = Arrays.stream(context.getBundles())
                .filter(b -> b.getSymbolicName().equals("streamline.itests")).findFirst().orElseThrow();
        processors.stop();
        try {
            // steps already running finish; then every session has either ended or waits
            await("every session ended or waiting", () -> inProgress(engine, id) + sessions.ended.size() == count,
                    () -> inProgress(engine, id) + " in progress, " + sessions.ended.size() + " ended");
            long doneWhileStopped = filesIn(results);
            // a session of another flow, whose processor comes from another bundle, runs to its end meanwhile: the
            // workers are free, yet the waiting sessions do not run
            UUID marker = FlowDefinition.idFromName("itest-marker");
            awaitService(FlowManager.class, "(streamline.flow.type=memory)")
                    .save(flow("itest-marker", processor(marker, "Tag", "UpdateMetadata", Map.of("seen", "yes"))));
            UUID markerSession = submitWhenActive(engine, marker, "marker");
            await("the other flow's session ended", () -> sessions.ended.containsKey(markerSession), sessions.ended::keySet);
            assertEquals("nothing runs without a provider", doneWhileStopped, filesIn(results));
            assertTrue("sessions wait for the provider", inProgress(engine, id) > 0);
            assertEquals("no session failed for want of a provider", List.of(), sessions.failures());
        } finally {
            processors.start();
        }
        await(count + " sessions ended", () -> sessions.ended.size() == count + 1, sessions.ended::size); // and the marker
        assertEquals("failures", List.of(), sessions.failures());
        assertEveryResult(results, count, "A");
    }
}
