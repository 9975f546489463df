package streamline.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.derby.jdbc.EmbeddedDataSource;
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

import jakarta.persistence.EntityManagerFactory;

import streamline.api.wal.LogEntry;
import streamline.wal.jpa.JpaWriteAheadLog;
import streamline.wal.jpa.WalEntryEntity;
import streamline.jpa.support.CodePersistenceUnit;

/**
 * Compaction of the JPA log's table (Derby on disk) holding {@code rows} entries, 2 % of them of live
 * sessions, while a writer appends 160 entries a second (a step's start and its session's end, in turns).
 * One operation compacts the table once; the rows it deleted are printed, so rows compacted per second is
 * that count over the time. {@code impl=subquery} is the single {@code DELETE … WHERE SESSION_ID IN
 * (SELECT … WHERE KIND = 'SESSION_FINISHED')} compaction replaced, as the baseline (only at small sizes:
 * its cost grows with live rows times finished rows).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class JpaCompaction {

    /** Appends a second arriving during compaction. */
    private static final int APPENDS_PER_SECOND = 160;

    @Param({"10000", "100000", "1000000"})
    public int rows;

    @Param({"batched", "subquery"})
    public String impl;

    private Path directory;
    private EmbeddedDataSource derby;
    private EntityManagerFactory factory;
    private JpaWriteAheadLog log;
    private Thread appender;
    private final AtomicBoolean appending = new AtomicBoolean();
    private final AtomicInteger appended = new AtomicInteger();
    private int deleted;

    @Setup(Level.Trial)
    public void open() throws Exception {
        directory = Benchmarks.newDirectory("jpacompaction");
        derby = Benchmarks.derby(directory);
        factory = JpaWriteAheadLog.createFactory(derby, 4, CodePersistenceUnit.codeSource(WalEntryEntity.class));
        log = new JpaWriteAheadLog(factory, Duration.ofDays(1)); // compacted only by the benchmark
    }

    /** Fills the table anew: sessions of four entries (three steps logged, then the end), every 50th still live (three). */
    @Setup(Level.Iteration)
    public void fill() throws Exception {
        try (Connection connection = derby.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("DELETE FROM SL_WAL_ENTRY");
        }
        List<LogEntry> batch = new ArrayList<>(1_000);
        int written = 0;
        for (int session = 0; written < rows; session++) {
            UUID id = UUID.randomUUID();
            boolean live = session % 50 == 0;
            batch.add(BenchEntries.started(id));
            batch.add(BenchEntries.started(id));
            batch.add(BenchEntries.started(id));
            if (!live) {
                batch.add(BenchEntries.finished(id));
            }
            written += live ? 3 : 4;
            if (batch.size() >= 1_000) {
                log.appendAll(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            log.appendAll(batch);
        }
        appended.set(0);
        appending.set(true);
        appender = new Thread(this::appendWhileCompacting, "bench-appender");
        appender.start();
    }

    private void appendWhileCompacting() {
        long interval = TimeUnit.SECONDS.toNanos(1) / APPENDS_PER_SECOND;
        long next = System.nanoTime();
        UUID session = UUID.randomUUID();
        try {
            while (appending.get()) {
                if (appended.get() % 2 == 0) {
                    session = UUID.randomUUID();
                    log.append(BenchEntries.started(session));
                } else {
                    log.append(BenchEntries.finished(session));
                }
                appended.incrementAndGet();
                next += interval;
                LockSupport.parkNanos(next - System.nanoTime());
            }
        } catch (Exception e) {
            throw new IllegalStateException("the appender failed", e);
        }
    }

    @Benchmark
    public int compact() throws Exception {
        if (impl.equals("batched")) {
            deleted = log.compact();
        } else {
            try (Connection connection = derby.getConnection(); Statement sql = connection.createStatement()) {
                deleted = sql.executeUpdate("DELETE FROM SL_WAL_ENTRY WHERE SESSION_ID IN (SELECT SESSION_ID FROM"
                        + " SL_WAL_ENTRY WHERE KIND = 'SESSION_FINISHED')");
            }
        }
        return deleted;
    }

    @TearDown(Level.Iteration)
    public void stopAppending() throws InterruptedException {
        appending.set(false);
        appender.join();
        System.out.println();
        System.out.println("compacted " + deleted + " of " + rows + " rows while " + appended.get() + " entries were appended");
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        log.close();
        factory.close();
        Benchmarks.shutDown(derby);
        Benchmarks.deleteRecursively(directory);
    }
}
