package streamline.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
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

import streamline.api.wal.LogEntry;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.jpa.support.EmbeddedDerby;
import streamline.wal.file.FileWriteAheadLog;
import streamline.wal.jpa.JpaWriteAheadLog;

/**
 * Appends per second, ours ({@code impl=file}) against Apache NiFi's ({@code impl=nifi}), with the
 * same entries, built before measuring. Each thread starts a session with one append and finishes it
 * with the next, so the live state stays small. {@code sync=always}: every append durable (NiFi: forceSync=true per
 * update); {@code sync=never}: left to the OS. Run with {@code -t N} for N appending threads:
 * {@code java -jar streamline.bench/target/benchmarks.jar WalAppend -p impl=file,nifi -t 32}
 *
 * <p>{@code impl=jpa} is the JPA log on embedded Derby and {@code impl=jdbc} its baseline, plain JDBC
 * batch inserts into the same table (both durable: Derby forces its log on commit; {@code sync}
 * does not apply): {@code WalAppend -p impl=jpa,jdbc -t 8}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3) // EclipseLink and Derby take longer than the file logs to warm up
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class WalAppend {

    @Param({"file", "nifi"})
    public String impl;

    @Param({"always"})
    public String sync;

    private Path directory;
    private FileWriteAheadLog file;
    private NiFiWal nifi;
    private JpaWriteAheadLog jpa;
    private jakarta.persistence.EntityManagerFactory jpaFactory;
    private JdbcWal jdbc;
    private org.apache.derby.jdbc.EmbeddedDataSource derby;
    private EmbeddedDerby jpaDatabase;

    /** Each thread's entries, made before measuring: the benchmark measures the logs, not entry building. */
    @State(Scope.Thread)
    public static class Entries {
        private static final int SESSIONS = 256;
        final LogEntry[] cycle = new LogEntry[SESSIONS * 2];
        int next;

        @Setup(Level.Trial)
        public void make() {
            for (int i = 0; i < SESSIONS; i++) {
                UUID session = UUID.randomUUID();
                cycle[2 * i] = BenchEntries.started(session);
                cycle[2 * i + 1] = BenchEntries.finished(session);
            }
        }

        LogEntry next() {
            LogEntry entry = cycle[next];
            next = (next + 1) % cycle.length;
            return entry;
        }
    }

    @Setup(Level.Trial)
    public void open() throws Exception {
        directory = Benchmarks.newDirectory("walappend");
        switch (impl) {
            case "file" -> file = FileWriteAheadLog.open(directory, sync);
            case "nifi" -> nifi = new NiFiWal(directory.toFile());
            case "jpa" -> {
                // as the component does: Derby's pooled connections under a bounded pool
                jpaDatabase = EmbeddedDerby.fromUrl(
                        "jdbc:derby:" + directory.resolve("db") + ";create=true", "", "", "benchmark");
                jpaFactory = JpaWriteAheadLog.createFactory(jpaDatabase.pooledDataSource(8), 8,
                        CodePersistenceUnit.codeSource(JpaWriteAheadLog.class));
                jpa = new JpaWriteAheadLog(jpaFactory, Duration.ofSeconds(30));
            }
            case "jdbc" -> {
                derby = Benchmarks.derby(directory);
                jdbc = new JdbcWal(derby);
            }
            default -> throw new IllegalArgumentException("impl must be file, nifi, jpa or jdbc, was " + impl);
        }
    }

    @TearDown(Level.Iteration)
    public void checkpoint() throws Exception {
        if (file != null) {
            file.checkpoint();
        } else if (nifi != null) {
            nifi.checkpoint();
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        if (file != null) {
            file.close();
        } else if (nifi != null) {
            nifi.shutdown();
        } else if (jpa != null) {
            jpa.close();
            jpaFactory.close();
        } else {
            jdbc.close();
        }
        if (derby != null) {
            Benchmarks.shutDown(derby);
        }
        if (jpaDatabase != null) {
            jpaDatabase.shutDown();
        }
        Benchmarks.deleteRecursively(directory);
    }

    @Benchmark
    public long append(Entries entries) throws Exception {
        LogEntry entry = entries.next();
        if (file != null) {
            return file.append(entry);
        }
        if (jpa != null) {
            return jpa.append(entry);
        }
        if (jdbc != null) {
            jdbc.append(entry);
            return 0;
        }
        nifi.append(entry, sync.equals("always"));
        return 0;
    }
}
