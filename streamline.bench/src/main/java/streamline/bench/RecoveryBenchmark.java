package streamline.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import streamline.wal.file.FileWriteAheadLog;

/**
 * What the recovery benchmarks share: the parameters, and the work measured (opening a log that holds
 * {@code liveEntries} live entries and reading every one back into memory). Both logs checkpointed after
 * filling, so both recover from their snapshot. Each subclass fills the log in its own way, before measuring.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public abstract class RecoveryBenchmark {

    @Param({"file", "nifi"})
    public String impl;

    @Param({"1000000"})
    public int liveEntries;

    /** {@code flow}: the processor ids the engine writes, the same few in every session; {@code unique}: new in every entry. */
    @Param({"flow", "unique"})
    public String ids;

    /** The filled log's directory; set by the subclass's setup. */
    protected Path directory;

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        Benchmarks.deleteRecursively(directory);
    }

    @Benchmark
    public int recover() throws Exception {
        return recover(impl, directory);
    }

    /** Fills the log {@code impl} in {@code directory} with {@code liveEntries} live entries, and checkpoints it. */
    static void fill(String impl, Path directory, int liveEntries, BenchEntries.Ids ids) throws Exception {
        if (impl.equals("file")) {
            try (FileWriteAheadLog log = FileWriteAheadLog.open(directory, "never")) {
                BenchEntries.fill(log, liveEntries, ids);
                log.checkpoint();
            }
        } else {
            NiFiWal log = new NiFiWal(directory.toFile());
            BenchEntries.fill(log, liveEntries, ids);
            log.checkpoint();
            log.shutdown();
        }
    }

    /** Opens the log {@code impl} in {@code directory} and reads its live entries; returns how many. */
    static int recover(String impl, Path directory) throws Exception {
        if (impl.equals("file")) {
            try (FileWriteAheadLog log = FileWriteAheadLog.open(directory, "always")) {
                return log.liveEntries().size();
            }
        }
        NiFiWal log = new NiFiWal(directory.toFile());
        int recovered = log.recovered().size();
        log.shutdown();
        return recovered;
    }
}
