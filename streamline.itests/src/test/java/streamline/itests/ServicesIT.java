package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.FlowManager;
import streamline.api.track.BranchTracker;
import streamline.testkit.TestFlows;

/** The services work inside the framework and take their configuration from Config Admin. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ServicesIT extends StreamlineTestSupport {

    @Test
    public void theFlowStoreSavesAndReadsFlows() throws Exception {
        FlowManager store = awaitService(FlowManager.class, "(streamline.flow.type=memory)");
        FlowDefinition flow = TestFlows.flow("osgi-flow", "A->B", "A->C");
        FlowDefinition saved = store.save(flow);
        assertEquals(saved, store.flow(flow.id()));
        assertEquals(List.of("A"), store.firstProcessors(flow.id()).stream().map(p -> p.name()).toList());
    }

    @Test
    public void theTrackerRunsAJoin() throws Exception {
        BranchTracker tracker = awaitService(BranchTracker.class, null);
        FlowGraph graph = TestFlows.graph("osgi-join", "A->B->D", "A->C->D");
        UUID session = UUID.randomUUID();
        UUID a = TestFlows.id("osgi-join", "A");
        UUID b = TestFlows.id("osgi-join", "B");
        UUID c = TestFlows.id("osgi-join", "C");
        UUID d = TestFlows.id("osgi-join", "D");
        assertEquals(List.of(a), tracker.startSession(session, graph));
        assertEquals(List.of(b, c), tracker.completeStep(session, a, graph.next(a)).readySteps());
        assertEquals(List.of(), tracker.completeStep(session, c, graph.next(c)).readySteps());
        assertEquals(List.of(d), tracker.completeStep(session, b, graph.next(b)).readySteps());
        assertTrue(tracker.completeStep(session, d, List.of()).sessionComplete());
    }

    @Test
    public void rankingAndTypeComeFromConfigAdmin() throws Exception {
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration("streamline.flow.memory", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("service.ranking", 7);
        properties.put("streamline.flow.type", "memory-configured");
        configuration.update(properties);
        try {
            awaitService(FlowManager.class, "(&(streamline.flow.type=memory-configured)(service.ranking=7))");
            ServiceReference<FlowManager> reference = context.getServiceReferences(FlowManager.class,
                    "(streamline.flow.type=memory-configured)").iterator().next();
            assertEquals(Integer.valueOf(7), reference.getProperty("service.ranking"));
        } finally {
            configuration.delete();
        }
        awaitService(FlowManager.class, "(&(streamline.flow.type=memory)(service.ranking=0))");
    }
}
