package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;

/** The file write-ahead log as a component, configured through Config Admin. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class FileWalIT extends StreamlineTestSupport {

    private static LogEntry anyStart() {
        return LogEntry.stepStarted(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "Step", "",
                Map.of("key", "value"), "", 0, List.of());
    }

    @Test
    public void theDefaultLogLivesUnderTheHomeAndWorks() throws Exception {
        WriteAheadLog log = awaitService(WriteAheadLog.class, "(streamline.wal.type=file)");
        LogEntry entry = anyStart();
        long sequence = log.append(entry);
        assertEquals(List.of(entry.withSequence(sequence)), log.unfinishedSteps());
        File directory = new File(context.getProperty("streamline.home"), "data/wal");
        assertTrue(directory + " holds the segments", new File(directory, "segment-000000000001.wal").isFile());
    }

    @Test
    public void aNewConfigurationReopensTheLogWithoutLosingEntries() throws Exception {
        String directory = new File(context.getProperty("streamline.home"), "configured-wal").getAbsolutePath();
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration("streamline.wal.file", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("directory", directory);
        properties.put("sync", "interval");
        properties.put("sync.interval.ms", 20L);
        configuration.update(properties);
        WriteAheadLog interval = awaitService(WriteAheadLog.class, "(&(streamline.wal.type=file)(sync=interval))");
        LogEntry entry = anyStart();
        long sequence = interval.append(entry);

        properties.put("sync", "always");
        configuration.update(properties);
        WriteAheadLog always = awaitService(WriteAheadLog.class, "(&(streamline.wal.type=file)(sync=always)(directory=" + directory + "))");
        assertEquals(List.of(entry.withSequence(sequence)), always.unfinishedSteps());
        configuration.delete();
    }

    @Test
    public void aWrongValueIsRefusedWithAClearError() throws Exception {
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration("streamline.wal.file", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("sync", "sometimes");
        configuration.update(properties);
        ServiceComponentRuntime scr = awaitService(ServiceComponentRuntime.class, null);
        Bundle bundle = Arrays.stream(context.getBundles())
                .filter(b -> b.getSymbolicName().equals("streamline.wal.file")).findFirst().orElseThrow();
        ComponentDescriptionDTO description = scr.getComponentDescriptionDTOs(bundle).iterator().next();
        await("the component to fail on the wrong sync policy", () -> scr.getComponentConfigurationDTOs(description).stream()
                .anyMatch(c -> c.state == ComponentConfigurationDTO.FAILED_ACTIVATION
                        && c.failure != null && c.failure.contains("sync policy 'sometimes' is not one of always, interval, never")),
                () -> scr.getComponentConfigurationDTOs(description).stream().map(c -> c.state + " " + c.failure).toList());
        // SCR may keep the registration while activation fails, but nobody gets a log from it
        ServiceReference<WriteAheadLog> reference = context.getServiceReference(WriteAheadLog.class);
        assertTrue(reference == null || context.getService(reference) == null);
        configuration.delete();
        awaitService(WriteAheadLog.class, "(&(streamline.wal.type=file)(sync=always))");
    }
}
