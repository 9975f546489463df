package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.flow.FlowDefinition;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.testkit.TestDatabases;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;
import streamline.wal.jpa.JpaWriteAheadLog;
import streamline.wal.jpa.WalEntryEntity;

/** Sessions handed from the JPA log to the file log and back. */
class LogHandBackTest {

    @TempDir
    Path directory;

    @RegisterExtension
    final TestDatabases databases = new TestDatabases();

    private EngineHarness harness;
    private FileWriteAheadLog file;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (file != null) {
            file.close();
        }
    }

    private JpaWriteAheadLog openJpa(EmbeddedDataSource derby) {
        EntityManagerFactory factory = JpaWriteAheadLog.createFactory(derby, 4, CodePersistenceUnit.codeSource(WalEntryEntity.class));
        databases.opened(factory);
        // compaction only when the test runs it: it stands for the periodic run that comes within the interval
        return databases.opened(new JpaWriteAheadLog(factory, Duration.ofHours(1)));
    }

    /**
     * A swap JPA -> file -> JPA within the JPA log's compaction interval: the session handed back is live in
     * the JPA log (although the log recorded its end when it was handed over), compaction keeps it, and after
     * a crash it is resumed and finishes.
     */
    @Test
    void aSessionHandedBackIntoTheJpaLogIsLiveKeptByCompactionAndResumedAfterACrash() throws Exception {
        EmbeddedDataSource derby = new EmbeddedDataSource();
        derby.setDatabaseName(databases.newName("memory:handback"));
        derby.setCreateDatabase("create");
        JpaWriteAheadLog jpa = openJpa(derby);
        AtomicInteger runsOfB = new AtomicInteger();
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        harness.processor("FailsFirst", () -> (input, step) -> {
            if (runsOfB.incrementAndGet() == 1) {
                throw new IllegalStateException("the first run fails; the retry waits an hour");
            }
            return input;
        });
        harness.start(harness.options().build(), jpa);
        FlowDefinition flow = harness.activate(EngineTest.withProcessor(TestFlows.flow("handback", "A->B"), "B",
                b -> b.type("FailsFirst").maxRetries(3).backoffSeconds(3600)));
        UUID session = harness.submit(flow, Map.of("n", 1));
        // the session now waits for its retry: unfinished, and no step of it running, so a swap need not wait for it
        EngineHarness.await("B's first run failed", () -> runsOfB.get() == 1, runsOfB::get);
        EngineHarness.await("the session in the JPA log", () -> liveSessionsOf(jpa).contains(session), () -> liveSessionsOf(jpa));
        file = FileWriteAheadLog.open(directory.resolve("file-wal"), "always");
        harness.engine.swapWal(file);
        harness.engine.swapWal(jpa);
        assertEquals(List.of(session), EngineHarness.liveSessions(jpa), "handed back, the session is live in the JPA log");
        jpa.compact();
        assertEquals(List.of(session), EngineHarness.liveSessions(jpa), "compaction kept the handed-back session");
        // a crash: the engine is gone without ending the session, and the JPA log is opened again
        harness.engine.stop();
        harness.engine = null;
        jpa.close();
        JpaWriteAheadLog reopened = openJpa(derby);
        harness.start(harness.options().build(), reopened);
        harness.flows.save(flow);
        harness.awaitEnded(1);
        assertFalse(harness.ended.get(session).failed(), harness.ended.get(session).error());
        assertEquals(2, runsOfB.get(), "B ran again once, after the crash");
    }

    private static List<UUID> liveSessionsOf(JpaWriteAheadLog log) {
        try {
            return EngineHarness.liveSessions(log);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
