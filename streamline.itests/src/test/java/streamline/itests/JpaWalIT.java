package streamline.itests;

import static org.junit.Assert.assertEquals;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;

/** The JPA write-ahead log inside Felix, and a consumer switched between the file and JPA logs. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class JpaWalIT extends StreamlineTestSupport {

    @Test
    public void theJpaLogAppendsAndReportsUnfinishedSteps() throws Exception {
        WriteAheadLog log = awaitService(WriteAheadLog.class, "(streamline.wal.type=jpa)");
        LogEntry entry = LogEntry.stepStarted(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "Step", "",
                Map.of("key", "value", "count", 3L), "", 0, List.of());
        long sequence = log.append(entry);
        assertEquals(List.of(entry.withSequence(sequence)), log.unfinishedSteps());
        ServiceReference<WriteAheadLog> reference = context.getServiceReferences(WriteAheadLog.class,
                "(streamline.wal.type=jpa)").iterator().next();
        assertEquals(Integer.valueOf(10), reference.getProperty("service.ranking"));
    }

    @SuppressWarnings("unchecked")
    private void awaitWalBoundTo(String type) {
        Supplier<Optional<ServiceReference<WriteAheadLog>>> follower =
                awaitService(Supplier.class, "(streamline.itests.role=wal-follower)");
        await("the WAL follower bound to the " + type + " log",
                () -> follower.get().map(r -> type.equals(r.getProperty(WriteAheadLog.TYPE_PROPERTY))).orElse(false),
                () -> follower.get().map(r -> r.getProperty(WriteAheadLog.TYPE_PROPERTY)).orElse("nothing"));
    }

    @Test
    public void aConsumerIsSwitchedBetweenTheFileAndJpaLogs() throws Exception {
        awaitWalBoundTo("file"); // the file log ranks highest
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration("streamline.itests.walconsumer", "?");
        try {
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("wal.target", "(streamline.wal.type=jpa)");
            configuration.update(properties);
            awaitWalBoundTo("jpa");
            properties.put("wal.target", "(streamline.wal.type=file)");
            configuration.update(properties);
            awaitWalBoundTo("file");
            properties.put("wal.target", "(streamline.wal.type=jpa)");
            configuration.update(properties);
            awaitWalBoundTo("jpa");
        } finally {
            configuration.delete();
        }
        awaitWalBoundTo("file");
    }
}
