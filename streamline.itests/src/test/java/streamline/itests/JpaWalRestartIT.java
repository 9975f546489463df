package streamline.itests;

import static org.junit.Assert.assertEquals;

import java.io.File;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;

/**
 * A restart of the framework on the same database keeps the JPA log's unfinished steps and never
 * brings back a finished session (each method runs in a framework of its own, in order).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class JpaWalRestartIT extends StreamlineTestSupport {

    private static final UUID FLOW = UUID.fromString("00000000-0000-0000-0000-0000000000f1");
    private static final UUID OPEN = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID DONE = UUID.fromString("00000000-0000-0000-0000-00000000000b");
    private static final UUID STEP = UUID.fromString("00000000-0000-0000-0000-0000000000c1");

    private static String sharedDatabase() {
        String key = "streamline.itests.waljpa.database";
        if (System.getProperty(key) == null) {
            System.setProperty(key, new File(System.getProperty("streamline.itests.work", "target/itest-work"),
                    "wal-restart-db-" + System.nanoTime()).getAbsolutePath());
        }
        return System.getProperty(key);
    }

    private WriteAheadLog logOnSharedDatabase() throws Exception {
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration("streamline.wal.jpa", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        String url = "jdbc:derby:" + sharedDatabase() + ";create=true";
        properties.put("jdbc.url", url);
        configuration.update(properties);
        return awaitService(WriteAheadLog.class, "(&(streamline.wal.type=jpa)(jdbc.url=" + url + "))");
    }

    private static LogEntry openStep() {
        return LogEntry.stepStarted(OPEN, FLOW, STEP, "Step", "content-1", Map.of("n", 1L), "mark", 0, List.of());
    }

    @Test
    public void a_appendAndStop() throws Exception {
        WriteAheadLog log = logOnSharedDatabase();
        log.append(openStep());
        log.append(LogEntry.stepStarted(DONE, FLOW, STEP, "Step", "", Map.of(), "", 0, List.of()));
        log.recordSessionFinished(DONE, FLOW, "", "");
        assertEquals(List.of(openStep()), log.unfinishedSteps().stream().map(e -> e.withSequence(0)).toList());
    }

    @Test
    public void b_aNewFrameworkResumesOnlyTheUnfinishedStep() throws Exception {
        WriteAheadLog log = logOnSharedDatabase();
        assertEquals(List.of(openStep()), log.unfinishedSteps().stream().map(e -> e.withSequence(0)).toList());
    }
}
