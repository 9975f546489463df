package streamline.itests;

import static org.junit.Assert.assertEquals;

import java.io.File;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.testkit.TestFlows;

/**
 * The JPA flow store on embedded Derby inside Felix: it works, and a new framework on the same
 * database finds what the last one saved (each method runs in a framework of its own, in order).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class JpaFlowStoreIT extends StreamlineTestSupport {

    /** One database for both methods: the frameworks run one after the other in this JVM. */
    private static String sharedDatabase() {
        String key = "streamline.itests.jpa.database";
        if (System.getProperty(key) == null) {
            System.setProperty(key, new File(System.getProperty("streamline.itests.work", "target/itest-work"),
                    "restart-db-" + System.nanoTime()).getAbsolutePath());
        }
        return System.getProperty(key);
    }

    private FlowManager storeOnSharedDatabase() throws Exception {
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration("streamline.flow.jpa", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("jdbc.url", "jdbc:derby:" + sharedDatabase() + ";create=true");
        configuration.update(properties);
        return awaitService(FlowManager.class, "(&(streamline.flow.type=jpa)(jdbc.url=jdbc:derby:" + sharedDatabase() + ";create=true))");
    }

    @Test
    public void a_theStoreSavesAndReadsInsideTheFramework() throws Exception {
        FlowManager store = storeOnSharedDatabase();
        FlowDefinition saved = store.save(TestFlows.flow("jpa-osgi", "A->B", "A->C"));
        assertEquals(saved, store.flow(saved.id()));
        assertEquals(List.of("A"), store.firstProcessors(saved.id()).stream().map(p -> p.name()).toList());
    }

    @Test
    public void b_aNewFrameworkOnTheSameDatabaseFindsTheFlow() throws Exception {
        FlowManager store = storeOnSharedDatabase();
        FlowDefinition flow = TestFlows.flow("jpa-osgi", "A->B", "A->C");
        FlowDefinition found = store.flow(flow.id());
        assertEquals(flow.processors(), found.processors());
        assertEquals("jpa-osgi", found.name());
    }
}
