package streamline.flow.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.testkit.FlowManagerContract;
import streamline.testkit.TestFlows;

class JpaFlowManagerTest extends FlowManagerContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final List<EntityManagerFactory> factories = new ArrayList<>();

    @TempDir
    Path directory;

    private JpaFlowManager open(String databaseName) {
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(databaseName);
        dataSource.setCreateDatabase("create");
        EntityManagerFactory factory = JpaFlowManager.createFactory(dataSource, 4,
                CodePersistenceUnit.codeSource(FlowEntity.class));
        factories.add(factory);
        return new JpaFlowManager(factory, 1000, Duration.ofMinutes(10));
    }

    @Override
    protected FlowManager createEmptyStore() {
        return open("memory:flows" + DATABASES.incrementAndGet());
    }

    @AfterEach
    void closeFactories() {
        factories.forEach(EntityManagerFactory::close);
    }

    @Test
    void theCacheNeverServesAFlowOlderThanACommittedSave() throws Exception {
        FlowDefinition flow = TestFlows.flow("cached", "A->B");
        store.save(flow.toBuilder().description("0").build());
        AtomicInteger committed = new AtomicInteger();
        ConcurrentLinkedQueue<String> stale = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> work = new ArrayList<>();
            work.add(pool.submit(() -> {
                for (int v = 1; v <= 150; v++) {
                    store.save(flow.toBuilder().description(Integer.toString(v)).build());
                    committed.set(v);
                }
                return null;
            }));
            for (int r = 0; r < 3; r++) {
                work.add(pool.submit(() -> {
                    while (committed.get() < 150) {
                        int atLeast = committed.get();
                        int seen = Integer.parseInt(store.flow(flow.id()).description());
                        if (seen < atLeast) {
                            stale.add("read version " + seen + " after version " + atLeast + " was committed");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), new ArrayList<>(stale));
        assertEquals("150", store.flow(flow.id()).description());
    }

    @Test
    void flowsSurviveAReopenOfTheDatabase() throws Exception {
        String database = directory.resolve("flows-db").toString();
        JpaFlowManager first = open(database);
        FlowDefinition saved = first.save(richFlow("durable"));
        factories.remove(factories.size() - 1).close();
        JpaFlowManager second = open(database);
        assertEquals(saved, second.flow(saved.id()));
        assertTrue(second.setActive(saved.id(), false).lastUpdated().isAfter(saved.lastUpdated()));
        EntityManagerFactory factory = factories.get(factories.size() - 1);
        var em = factory.createEntityManager();
        try {
            assertEquals(JpaFlowManager.SCHEMA_VERSION,
                    em.find(SchemaVersionEntity.class, "streamline.flow.jpa").version, "the schema carries its version");
        } finally {
            em.close();
        }
    }
}
