package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.composite;

import java.util.Map;
import java.util.UUID;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import streamline.api.engine.Engine;
import streamline.api.engine.EngineException;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.processor.FlowObject;

/**
 * A flow refused because of the operator's configuration (the {@code RunExecutable} allow-list)
 * starts when that configuration arrives, through Config Admin, without the flow being touched.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FlowRefusalIT extends RuntimeTestSupport {

    @Override
    protected Option extraOptions() {
        return composite(super.extraOptions(), projectBundle("streamline.processors.standard"));
    }

    @After
    public void tearDown() {
        stopListening();
    }

    @Test
    public void aFlowRefusedForTheAllowListStartsWhenTheOperatorAllowsItsExecutable() throws Exception {
        configure("streamline.processors.runexecutable", Map.of("allowed", "/bin/false"));
        configure("streamline.runtime", Map.of("poll.interval.ms", 50L, "flowManager.target", "(streamline.flow.type=memory)"));
        Engine engine = awaitService(Engine.class, "(poll.interval.ms=50)");
        listen();
        UUID id = FlowDefinition.idFromName("itest-allow-list");
        FlowDefinition flow = flow("itest-allow-list", processor(id, "Run", "RunExecutable", Map.of("executable", "/bin/true")));
        FlowManager store = awaitService(FlowManager.class, "(streamline.flow.type=memory)");
        store.save(flow);
        // a flow saved after it, and active: the engine's poll that read the refused flow is over
        UUID marker = FlowDefinition.idFromName("itest-allow-list-marker");
        store.save(flow("itest-allow-list-marker", processor(marker, "Tag", "UpdateMetadata", Map.of("seen", "yes"))));
        submitWhenActive(engine, marker, "marker");
        try {
            engine.submit(id, new FlowObject(Map.of(), "early"), null);
            fail("the flow started although /bin/true is not allowed");
        } catch (EngineException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("not active"));
        }

        configure("streamline.processors.runexecutable", Map.of("allowed", "/bin/true"));
        UUID session = submitWhenActive(engine, id, "allowed");
        await("the session ended", () -> recorder.ended.containsKey(session), recorder.ended::keySet);
        assertEquals("", recorder.ended.get(session).error());
    }
}
