package streamline.wal.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.testkit.Concurrently;
import streamline.testkit.TestDatabases;
import streamline.testkit.WriteAheadLogContract;

class JpaWriteAheadLogContractTest extends WriteAheadLogContract {

    @RegisterExtension
    final TestDatabases databases = new TestDatabases();
    private String database;

    private JpaWriteAheadLog open() {
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(database);
        dataSource.setCreateDatabase("create");
        EntityManagerFactory factory = JpaWriteAheadLog.createFactory(dataSource, 4,
                CodePersistenceUnit.codeSource(WalEntryEntity.class));
        databases.opened(factory);
        return new JpaWriteAheadLog(factory, Duration.ofHours(1));
    }

    @Override
    protected WriteAheadLog openOnNewStorage() {
        database = databases.newName("memory:wal");
        return open();
    }

    @Override
    protected WriteAheadLog reopen() {
        return open();
    }

    @Override
    protected void compactNow(WriteAheadLog log) {
        ((JpaWriteAheadLog) log).compact();
    }


    @Test
    void compactionRemovesFinishedSessionsAndKeepsLiveOnes() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID done = UUID.randomUUID();
        UUID open = UUID.randomUUID();
        log.append(started(done, flow, UUID.randomUUID(), 0, List.of()));
        LogEntry live = started(open, flow, UUID.randomUUID(), 0, List.of());
        log.append(live);
        log.recordSessionFinished(done, flow, "", "");
        assertEquals(3, log.entries().size());
        assertEquals(2, ((JpaWriteAheadLog) log).compact());
        assertEquals(List.of(live), log.entries().stream().map(e -> e.withSequence(0)).toList());
        assertEquals(1, log.unfinishedSteps().size());
    }

    /**
     * A table made before text too long for its column had a place of its own: the log adds the
     * column, reads the rows the table had, and keeps a long trigger mark and error from then on.
     */
    @Test
    void aTableFromBeforeOverflowTextIsExtendedAndKeepsItsRows() throws Exception {
        close(log);
        log = null;
        database = databases.newName("memory:walv1-");
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(database);
        dataSource.setCreateDatabase("create");
        UUID session = UUID.randomUUID();
        UUID flow = UUID.randomUUID();
        UUID step = UUID.randomUUID();
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("CREATE TABLE SL_WAL_ENTRY (SEQ BIGINT PRIMARY KEY, KIND VARCHAR(20) NOT NULL,"
                    + " SESSION_ID VARCHAR(36) NOT NULL, FLOW_ID VARCHAR(36) NOT NULL, PROCESSOR_ID VARCHAR(36),"
                    + " PROCESSOR_NAME VARCHAR(255) NOT NULL, CONTENT_ID VARCHAR(1024) NOT NULL, METADATA_JSON CLOB NOT NULL,"
                    + " TRIGGER_MARK VARCHAR(4000) NOT NULL, ATTEMPT INTEGER NOT NULL, COMPLETED_STEPS CLOB NOT NULL,"
                    + " ERROR_TEXT VARCHAR(4000) NOT NULL)");
            sql.execute("CREATE INDEX SL_WAL_SESSION ON SL_WAL_ENTRY (SESSION_ID)");
            sql.execute("CREATE INDEX SL_WAL_KIND ON SL_WAL_ENTRY (KIND)");
            sql.execute("INSERT INTO SL_WAL_ENTRY VALUES (7, 'STEP_STARTED', '" + session + "', '" + flow + "', '" + step
                    + "', 'Read', 'content-1', '{\"$map\":{\"n\":1}}', 'mark-1', 0, '', '')");
        }
        LogEntry stored = new LogEntry(7, LogEntry.Kind.STEP_STARTED, session, flow, step, "Read", "content-1",
                Map.of("n", 1), "mark-1", 0, List.of(), "");
        log = open();
        assertEquals(List.of(stored), log.entries());
        LogEntry longTexts = LogEntry.sessionFinished(UUID.randomUUID(), flow, "/inbox/" + "ü".repeat(3_000),
                "stderr: " + "x".repeat(9_000));
        log.append(longTexts);
        restart();
        assertEquals(List.of(stored, longTexts.withSequence(8)), log.entries());
    }

    /**
     * An entry the database refuses (here a check constraint; on PostgreSQL, for example, a NUL character
     * in a text column) fails only its own append, never the appends grouped with it in one transaction,
     * and is refused as such ({@code EntryRejectedException}), not as a failure worth retrying.
     */
    @Test
    void anEntryTheDatabaseRefusesFailsOnlyItsOwnAppend() throws Exception {
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(database);
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("ALTER TABLE SL_WAL_ENTRY ADD CONSTRAINT NO_POISON CHECK (PROCESSOR_NAME <> 'Poison')");
        }
        UUID flow = UUID.randomUUID();
        ConcurrentLinkedQueue<LogEntry> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicInteger poisonRefused = new AtomicInteger();
        List<Callable<?>> appenders = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            boolean poisoner = t == 0;
            appenders.add(() -> {
                for (int i = 0; i < 40; i++) {
                    LogEntry entry = LogEntry.stepStarted(UUID.randomUUID(), flow, UUID.randomUUID(), poisoner ? "Poison" : "Fine",
                            "content", Map.of("i", i), "mark", 0, List.of());
                    try {
                        log.append(entry);
                        acknowledged.add(entry);
                    } catch (EntryRejectedException e) {
                        if (!poisoner) {
                            throw e;
                        }
                        poisonRefused.incrementAndGet(); // refused for good, so the engine fails that session instead of retrying
                    }
                }
                return null;
            });
        }
        Concurrently.run(appenders);
        assertEquals(40, poisonRefused.get(), "every poisoned append failed");
        assertEquals(280, acknowledged.size(), "every other append was kept");
        assertEquals(new HashSet<>(acknowledged), new HashSet<>(log.entries().stream().map(e -> e.withSequence(0)).toList()));
    }
}
