package streamline.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.LogLevel;
import streamline.api.flow.ProcessorDefinition;
import streamline.flow.jpa.JpaFlowManager;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.jpa.support.EmbeddedDerby;
import streamline.testkit.TestFlows;

/**
 * Reads of a flow by id: the JPA store with its cache ({@code impl=jpa}) against the in-memory
 * store ({@code memory}), and the JPA store without cache ({@code jpa-uncached}) against plain JDBC
 * reading the same tables into the same definitions ({@code jdbc}). 100 flows of 5 processors.
 * {@code java -jar streamline.bench/target/benchmarks.jar FlowRead -p impl=memory,jpa,jpa-uncached,jdbc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 3) // EclipseLink and Derby take long to warm up
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class FlowRead {

    @Param({"memory", "jpa", "jpa-uncached", "jdbc"})
    public String impl;

    private Path directory;
    private org.apache.derby.jdbc.EmbeddedDataSource derby;
    private EntityManagerFactory factory;
    private EmbeddedDerby database;
    private FlowManager store;
    private JdbcFlows jdbc;
    private UUID[] ids;

    @Setup(Level.Trial)
    public void fill() throws Exception {
        List<FlowDefinition> flows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            flows.add(TestFlows.flow("flow" + i, "Read->Tag->Transform->Store", "Tag->Audit"));
        }
        ids = flows.stream().map(FlowDefinition::id).toArray(UUID[]::new);
        if (impl.equals("memory")) {
            store = new InMemoryFlowManager();
        } else {
            directory = Benchmarks.newDirectory("flowread");
            derby = Benchmarks.derby(directory);
            database = EmbeddedDerby.fromUrl("jdbc:derby:" + directory.resolve("db") + ";create=true",
                    "", "", "bench");
            factory = JpaFlowManager.createFactory(database.pooledDataSource(8), 8, CodePersistenceUnit.codeSource(JpaFlowManager.class));
            // the component's defaults: 10,000 flows, no expiry
            store = new JpaFlowManager(factory, impl.equals("jpa-uncached") ? 0 : 10_000, Duration.ZERO);
        }
        for (FlowDefinition flow : flows) {
            store.save(flow);
        }
        if (impl.equals("jdbc")) {
            jdbc = new JdbcFlows(derby.getConnection());
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        if (jdbc != null) {
            jdbc.connection.close();
        }
        if (factory != null) {
            factory.close();
            database.shutDown();
            Benchmarks.deleteRecursively(directory);
        }
    }

    @Benchmark
    public FlowDefinition read() throws Exception {
        UUID id = ids[ThreadLocalRandom.current().nextInt(ids.length)];
        return jdbc != null ? jdbc.flow(id) : store.flow(id);
    }

    /** The baseline: the same tables read with plain JDBC into the same definitions. */
    private static final class JdbcFlows {
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final TypeReference<Map<String, Object>> CONFIG = new TypeReference<>() { };
        final Connection connection;
        private final PreparedStatement flow;
        private final PreparedStatement processors;

        JdbcFlows(Connection connection) throws Exception {
            this.connection = connection;
            flow = connection.prepareStatement("SELECT NAME, DESCRIPTION, ACTIVE, LAST_UPDATED FROM SL_FLOW WHERE ID = ?");
            processors = connection.prepareStatement("SELECT ID, NAME, TYPE, CONFIG_JSON, MAX_RETRIES, BACKOFF_SECONDS,"
                    + " LOG_LEVEL, ENABLED, NEXT_IDS FROM SL_PROCESSOR WHERE FLOW_ID = ? ORDER BY POSITION");
        }

        FlowDefinition flow(UUID id) throws Exception {
            FlowDefinition.Builder builder = FlowDefinition.builder().id(id);
            flow.setString(1, id.toString());
            try (ResultSet row = flow.executeQuery()) {
                row.next();
                long nanos = row.getLong(4);
                builder.name(row.getString(1)).description(row.getString(2)).active(row.getBoolean(3))
                        .lastUpdated(Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L));
            }
            processors.setString(1, id.toString());
            try (ResultSet rows = processors.executeQuery()) {
                while (rows.next()) {
                    String next = rows.getString(9);
                    builder.processor(ProcessorDefinition.builder().id(UUID.fromString(rows.getString(1)))
                            .name(rows.getString(2)).type(rows.getString(3)).config(JSON.readValue(rows.getString(4), CONFIG))
                            .maxRetries(rows.getInt(5)).backoffSeconds(rows.getInt(6)).logLevel(LogLevel.parse(rows.getString(7)))
                            .enabled(rows.getBoolean(8))
                            .nextProcessorIds(next.isEmpty() ? List.of() : Arrays.stream(next.split(",")).map(UUID::fromString).toList())
                            .build());
                }
            }
            return builder.build(); // the flows have no triggers (the JPA store, too, learns that from the flow row)
        }
    }
}
