package streamline.bench;

import java.nio.file.Path;
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

import streamline.wal.file.FileWriteAheadLog;

/**
 * Time to recover a log holding {@code liveEntries} live entries: open it and read every live
 * entry back into memory. Both logs checkpointed after filling, so both recover from their
 * snapshot. {@code java -jar streamline.bench/target/benchmarks.jar WalRecovery -p impl=file,nifi}
 *
 * <p>The collection before each iteration shrinks the heap to about 56 MB, so a recovery here includes
 * the JVM growing it back to the 1.5 GB a million entries take (page faults, young collections of a small
 * young generation). {@code -jvmArgsAppend "-Xms6g -Xmx6g"} (which replaces the flags below) measures
 * the logs on a heap fixed at 6 GB instead; {@link WalColdRecovery} measures recovery in a fresh JVM.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class WalRecovery {

    @Param({"file", "nifi"})
    public String impl;

    @Param({"1000000"})
    public int liveEntries;

    /** {@code flow}: the processor ids the engine writes, the same few in every session; {@code unique}: new in every entry. */
    @Param({"flow", "unique"})
    public String ids;

    private Path directory;

    @Setup(Level.Trial)
    public void fill() throws Exception {
        directory = Benchmarks.newDirectory("walrecovery");
        fill(impl, directory, liveEntries, BenchEntries.Ids.of(ids));
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

    /**
     * A log recovers when the engine starts, on a heap that holds nothing else: without this, each
     * iteration also paid for collecting the million entries the one before recovered (the two
     * logs alike), and the figures swung by a second from run to run.
     */
    @Setup(Level.Iteration)
    public void startFromACollectedHeap() {
        System.gc();
    }

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        Benchmarks.deleteRecursively(directory);
    }

    @Benchmark
    public int recover() throws Exception {
        return recover(impl, directory);
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
