package streamline.flow.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.TriggerDefinition;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.testkit.Concurrently;
import streamline.testkit.FlowManagerContract;
import streamline.testkit.HookedDataSource;
import streamline.testkit.TestDatabases;
import streamline.testkit.TestFlows;

class JpaFlowManagerTest extends FlowManagerContract {

    @RegisterExtension
    final TestDatabases databases = new TestDatabases();
    /** The data source of the store opened last. */
    private HookedDataSource hooked;

    @TempDir
    Path directory;

    private JpaFlowManager open(String databaseName) {
        return open(databaseName, 1000);
    }

    private JpaFlowManager open(String databaseName, long cacheSize) {
        EmbeddedDataSource derby = new EmbeddedDataSource();
        derby.setDatabaseName(databaseName);
        derby.setCreateDatabase("create");
        HookedDataSource dataSource = hooked = new HookedDataSource(derby);
        EntityManagerFactory factory = JpaFlowManager.createFactory(dataSource, 4,
                CodePersistenceUnit.codeSource(FlowEntity.class));
        databases.opened(factory);
        return new JpaFlowManager(factory, cacheSize, Duration.ofMinutes(10));
    }

    @Override
    protected FlowManager createEmptyStore() {
        return open(databases.newName("memory:flows"));
    }

    /** The change is made on another thread between the listing's statement for the page and the one for its processors. */
    @Override
    protected Page<FlowDefinition> listDuring(PageRequest page, Instant since, Change change) throws Exception {
        return listBetweenStatements(hooked, store, page, since, change);
    }

    static Page<FlowDefinition> listBetweenStatements(HookedDataSource hooked, FlowManager store, PageRequest page, Instant since,
            Change change) throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            hooked.onceBeforeExecute(sql -> sql.contains("SL_PROCESSOR"), sql -> {
                try {
                    other.submit(() -> {
                        change.run();
                        return null;
                    }).get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new SQLException("the change made during the listing failed: " + e, e);
                }
            });
            Page<FlowDefinition> listed = store.listFlows(page, since);
            assertFalse(hooked.armed(), "the change was made during the listing");
            return listed;
        } finally {
            other.shutdownNow();
        }
    }

    /** A closed store serves nothing, not even what its cache holds. */
    @Test
    void aClosedStoreServesNoFlowFromItsCache() throws Exception {
        FlowDefinition flow = store.save(TestFlows.flow("closing", "A"));
        assertEquals(flow, store.flow(flow.id()));
        ((JpaFlowManager) store).close();
        assertThrows(FlowStoreException.class, () -> store.flow(flow.id()));
        assertThrows(FlowStoreException.class, () -> store.listFlows(new PageRequest(0, 10), Instant.EPOCH));
        assertThrows(FlowStoreException.class, () -> store.save(TestFlows.flow("after", "A")));
    }


    @Test
    void theCacheNeverServesAFlowOlderThanACommittedSave() throws Exception {
        FlowDefinition flow = TestFlows.flow("cached", "A->B");
        store.save(flow.toBuilder().description("0").build());
        AtomicInteger committed = new AtomicInteger();
        ConcurrentLinkedQueue<String> stale = new ConcurrentLinkedQueue<>();
        List<Callable<?>> work = new ArrayList<>();
        work.add(() -> {
            for (int v = 1; v <= 150; v++) {
                store.save(flow.toBuilder().description(Integer.toString(v)).build());
                committed.set(v);
            }
            return null;
        });
        for (int r = 0; r < 3; r++) {
            work.add(() -> {
                while (committed.get() < 150) {
                    int atLeast = committed.get();
                    int seen = Integer.parseInt(store.flow(flow.id()).description());
                    if (seen < atLeast) {
                        stale.add("read version " + seen + " after version " + atLeast + " was committed");
                    }
                }
                return null;
            });
        }
        Concurrently.run(work);
        assertEquals(List.of(), new ArrayList<>(stale));
        assertEquals("150", store.flow(flow.id()).description());
    }

    /** A database that cannot be reached (here: not there, and not to be created) fails the open, saying so. */
    @Test
    void aDatabaseThatCannotBeReachedFailsTheOpenSayingWhy() {
        EmbeddedDataSource missing = new EmbeddedDataSource();
        missing.setDatabaseName(databases.newName("memory:missing"));
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> JpaFlowManager.createFactory(missing, 4, CodePersistenceUnit.codeSource(FlowEntity.class)));
        assertTrue(error.getMessage().startsWith("cannot reach the database of streamline.flow.jpa: ")
                && error.getMessage().contains("not found"), error.getMessage());
    }

    /** Text longer than its column is refused with the flow, naming each place; the stored version stays. */
    @Test
    void textLongerThanItsColumnIsRefusedSayingWhere() throws Exception {
        FlowDefinition saved = store.save(TestFlows.flow("documented", "A->B"));
        String longName = "B".repeat(300);
        FlowDefinition tooLong = TestFlows.flow("documented", "A->" + longName).toBuilder().description("d".repeat(4001)).build();
        InvalidFlowException error = assertThrows(InvalidFlowException.class, () -> store.save(tooLong));
        assertEquals(List.of("the flow's description has 4001 characters; this store keeps at most 4000",
                "the name of processor " + TestFlows.id("documented", longName) + " has 300 characters; this store keeps at most 255"),
                error.problems());
        assertEquals(saved, store.flow(saved.id()));
    }

    @Test
    void flowsSurviveAReopenOfTheDatabase() throws Exception {
        String database = directory.resolve("flows-db").toString();
        JpaFlowManager first = open(database);
        FlowDefinition saved = first.save(richFlow("durable"));
        databases.closeLatest();
        JpaFlowManager second = open(database);
        assertEquals(saved, second.flow(saved.id()));
        assertTrue(second.setActive(saved.id(), false).lastUpdated().isAfter(saved.lastUpdated()));
        EntityManagerFactory factory = databases.latest();
        var em = factory.createEntityManager();
        try {
            assertEquals(FlowSchema.SCHEMA_VERSION,
                    em.find(SchemaVersionEntity.class, "streamline.flow.jpa").version, "the schema carries its version");
        } finally {
            em.close();
        }
    }

    /** Version v of a flow: 1 to 3 processors and 0 or 1 trigger, each carrying v in its configuration. */
    private static FlowDefinition version(int v) {
        FlowDefinition base = TestFlows.flow("versions", List.of("A", "A->B", "A->B->C").get(v % 3));
        FlowDefinition.Builder flow = base.toBuilder().description(Integer.toString(v))
                .processors(base.processors().stream().map(p -> p.toBuilder().config(Map.of("v", v)).build()).toList());
        if (v % 2 == 1) {
            flow.trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(base.id(), "Tick")).name("Tick")
                    .type("Cron").cronExpression("* * * * * ?").config(Map.of("v", v)).build());
        }
        return flow.build();
    }

    /** A read of a flow under concurrent saves returns one saved version whole, never rows of two. */
    private static void checkOneVersion(FlowDefinition read, Collection<String> problems) {
        int v = Integer.parseInt(read.description());
        FlowDefinition expected = version(v);
        if (!expected.processors().equals(read.processors()) || !expected.triggers().equals(read.triggers())) {
            problems.add("description says version " + v + ", processors " + read.processors().stream()
                    .map(p -> p.name() + p.config()).toList() + ", triggers " + read.triggers().size());
        }
    }

    @Test
    void uncachedReadsDuringSavesSeeOneVersionWhole() throws Exception {
        JpaFlowManager uncached = open(databases.newName("memory:versions"), 0);
        uncached.save(version(0));
        UUID id = version(0).id();
        AtomicInteger committed = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        Concurrently.run(List.of(() -> {
            for (int v = 1; v <= 200; v++) {
                uncached.save(version(v));
                committed.set(v);
            }
            return null;
        }, () -> {
            while (committed.get() < 200) {
                checkOneVersion(uncached.flow(id), problems);
                reads.incrementAndGet();
            }
            return null;
        }, () -> {
            while (committed.get() < 200) {
                for (FlowDefinition listed : uncached.listFlows(new PageRequest(0, 10), Instant.EPOCH).items()) {
                    checkOneVersion(listed, problems);
                }
                reads.incrementAndGet();
            }
            return null;
        }));
        assertEquals(List.of(), new ArrayList<>(problems));
        assertTrue(reads.get() > 0, "reads ran during the saves");
        checkOneVersion(uncached.flow(id), problems);
        assertEquals("200", uncached.flow(id).description());
    }

    private static DataSource derby(String database) {
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(database);
        return dataSource;
    }

    private static void sql(DataSource dataSource, String... statements) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String s : statements) {
                statement.executeUpdate(s);
            }
        }
    }

    /** Turns a version-2 schema into version 1: without the stamps, the counts and the (flow, position) indexes. */
    static void downgradeToVersion1(DataSource dataSource) throws SQLException {
        sql(dataSource, "DROP INDEX SL_PROCESSOR_FLOW", "DROP INDEX SL_TRIGGER_FLOW",
                "ALTER TABLE SL_FLOW DROP COLUMN PROCESSOR_COUNT", "ALTER TABLE SL_FLOW DROP COLUMN TRIGGER_COUNT",
                "ALTER TABLE SL_PROCESSOR DROP COLUMN FLOW_STAMP", "ALTER TABLE SL_TRIGGER DROP COLUMN FLOW_STAMP",
                "UPDATE SL_SCHEMA SET VERSION = 1 WHERE COMPONENT = 'streamline.flow.jpa'");
    }

    /** A store migrated from version 1 reads what version 1 held, saves, and has version 2's schema. */
    static void checkMigrated(DataSource dataSource, JpaFlowManager migrated, FlowDefinition rich, FlowDefinition plain)
            throws Exception {
        assertEquals(rich, migrated.flow(rich.id()));
        assertEquals(plain, migrated.flow(plain.id()));
        FlowDefinition changed = migrated.save(plain.toBuilder().description("after the migration").build());
        assertEquals(changed, migrated.flow(plain.id()));
        try (Connection connection = dataSource.getConnection()) {
            try (ResultSet row = connection.createStatement()
                    .executeQuery("SELECT VERSION FROM SL_SCHEMA WHERE COMPONENT = 'streamline.flow.jpa'")) {
                assertTrue(row.next());
                assertEquals(FlowSchema.SCHEMA_VERSION, row.getInt(1));
            }
            for (String table : List.of("SL_PROCESSOR", "SL_TRIGGER")) {
                List<String> columns = new ArrayList<>();
                try (ResultSet index = connection.getMetaData().getIndexInfo(null, null, table, false, false)) {
                    while (index.next()) {
                        if ((table + "_FLOW").equals(index.getString("INDEX_NAME"))) {
                            columns.add(index.getString("COLUMN_NAME"));
                        }
                    }
                }
                assertEquals(List.of("FLOW_ID", "POSITION"), columns, table + "'s (flow, position) index");
            }
        }
    }

    @Test
    void aVersion1SchemaIsMigratedWithItsFlows() throws Exception {
        String database = directory.resolve("v1-db").toString();
        JpaFlowManager first = open(database);
        FlowDefinition rich = first.save(richFlow("rich"));
        FlowDefinition plain = first.save(TestFlows.flow("plain", "A->B->C"));
        databases.closeLatest();
        downgradeToVersion1(derby(database));
        checkMigrated(derby(database), open(database, 0), rich, plain);
    }

    @Test
    void rowsThatDisagreeWithTheirFlowAreReportedNotReadForever() throws Exception {
        String database = directory.resolve("tampered-db").toString();
        JpaFlowManager store = open(database, 0);
        FlowDefinition saved = store.save(TestFlows.flow("tampered", "A->B"));
        sql(derby(database), "UPDATE SL_FLOW SET PROCESSOR_COUNT = 3");
        FlowStoreException error = assertThrows(FlowStoreException.class, () -> store.flow(saved.id()));
        assertTrue(error.getMessage().contains("flow " + saved.id() + " is stored inconsistently")
                && error.getMessage().contains("counts 3 processors"), error.getMessage());
    }

    @Test
    void twoStoresOnTwoDatabasesKeepTheirFlowsApart() throws Exception {
        // EclipseLink once gave the second factory of the same unit the first one's session (database)
        JpaFlowManager other = open(databases.newName("memory:other"));
        FlowDefinition here = store.save(TestFlows.flow("here", "A"));
        FlowDefinition there = other.save(TestFlows.flow("there", "B"));
        assertThrows(FlowNotFoundException.class, () -> other.flow(here.id()));
        assertThrows(FlowNotFoundException.class, () -> store.flow(there.id()));
        assertEquals(there, other.flow(there.id()));
    }
}
