package streamline.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
import streamline.wal.file.FileWriteAheadLog;

/**
 * How long a checkpoint stops writers: the latency of single appends (unsynced, so that fsync does
 * not hide the pause) while another thread checkpoints over and over a log of {@code liveEntries}
 * live entries. Read the printed worst append as the worst pause: every append is timed for it, while
 * the sampled percentiles ({@code p1.00}) see only a random part of the appends and miss most single
 * stalls. {@code java -jar streamline.bench/target/benchmarks.jar CheckpointPause -p impl=file,nifi}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 2, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class CheckpointPause {

    @Param({"file", "nifi"})
    public String impl;

    @Param({"1000000"})
    public int liveEntries;

    private Path directory;
    private FileWriteAheadLog file;
    private NiFiWal nifi;
    private final AtomicBoolean stop = new AtomicBoolean();
    private Thread checkpointer;

    @Setup(Level.Trial)
    public void fill() throws Exception {
        directory = Benchmarks.newDirectory("checkpointpause");
        if (impl.equals("file")) {
            file = FileWriteAheadLog.open(directory, "never");
            BenchEntries.fill(file, liveEntries, BenchEntries.Ids.FLOW);
        } else {
            nifi = new NiFiWal(directory.toFile());
            BenchEntries.fill(nifi, liveEntries, BenchEntries.Ids.FLOW);
        }
        checkpointer = new Thread(() -> {
            while (!stop.get()) {
                try {
                    if (file != null) {
                        file.checkpoint();
                    } else {
                        nifi.checkpoint();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("checkpoint failed", e);
                }
            }
        }, "checkpointer");
        checkpointer.start();
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        stop.set(true);
        checkpointer.join();
        if (file != null) {
            file.close();
        } else {
            nifi.shutdown();
        }
        Benchmarks.deleteRecursively(directory);
    }

    /**
     * The longest append of each iteration and of the run, printed after each iteration (JMH's
     * auxiliary counters would add the iterations' maxima up in the summary).
     */
    @State(Scope.Thread)
    public static class WorstAppend {
        private long iterationNanos;
        private long runNanos;

        void took(long nanos) {
            if (nanos > iterationNanos) {
                iterationNanos = nanos;
            }
        }

        @TearDown(Level.Iteration)
        public void report() {
            runNanos = Math.max(runNanos, iterationNanos);
            System.out.printf("%n  worst append of this iteration: %.1f ms, of the run so far: %.1f ms (every append timed)%n",
                    iterationNanos / 1e6, runNanos / 1e6);
            iterationNanos = 0;
        }
    }

    @Benchmark
    public long append(WalAppend.Entries entries, WorstAppend worst) throws Exception {
        LogEntry entry = entries.next();
        long start = System.nanoTime();
        long sequence = 0;
        if (file != null) {
            sequence = file.append(entry);
        } else {
            nifi.append(entry, false);
        }
        worst.took(System.nanoTime() - start);
        return sequence;
    }
}
