package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;

import java.io.File;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.testkit.TestFlows;

/**
 * Both JPA bundles pointed at another database by configuration alone: the H2 bundle (its driver
 * registers an OSGi DataSourceFactory) is installed, and {@code jdbc.url} names an H2 database.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OtherDatabaseIT extends StreamlineTestSupport {

    @Override
    protected Option extraOptions() {
        return mavenBundle("com.h2database", "h2").versionAsInProject();
    }

    private String url(String name) {
        return "jdbc:h2:" + new File(System.getProperty("streamline.itests.work", "target/itest-work"),
                "h2-" + name + "-" + UUID.randomUUID()).getAbsolutePath();
    }

    private void configure(String pid, String url) throws Exception {
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("jdbc.url", url);
        properties.put("dataSourceFactory.target", "(osgi.jdbc.driver.class=org.h2.Driver)");
        configuration.update(properties);
    }

    @Test
    public void theFlowStoreWorksOnH2() throws Exception {
        String url = url("flows");
        configure("streamline.flow.jpa", url);
        FlowManager store = awaitService(FlowManager.class, "(&(streamline.flow.type=jpa)(jdbc.url=" + url + "))");
        FlowDefinition saved = store.save(TestFlows.flow("on-h2", "A->B", "A->C"));
        assertEquals(saved, store.flow(saved.id()));
    }

    @Test
    public void theWriteAheadLogWorksOnH2() throws Exception {
        String url = url("wal");
        configure("streamline.wal.jpa", url);
        WriteAheadLog log = awaitService(WriteAheadLog.class, "(&(streamline.wal.type=jpa)(jdbc.url=" + url + "))");
        LogEntry open = LogEntry.stepStarted(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "Step", "", Map.of("k", "v"),
                "mark", 0, List.of());
        LogEntry done = LogEntry.stepStarted(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "Step", "", Map.of(), "", 0,
                List.of());
        log.append(open);
        log.append(done);
        log.recordSessionFinished(done.sessionId(), done.flowId(), "", "");
        assertEquals(List.of(open), log.unfinishedSteps().stream().map(e -> e.withSequence(0)).toList());
    }
}
