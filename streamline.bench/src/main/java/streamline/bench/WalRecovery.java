package streamline.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import streamline.wal.file.FileWriteAheadLog;

/**
 * Time to recover a log holding {@code liveEntries} live entries: open it and read every live
 * entry back into memory. Both logs checkpointed after filling, so both recover from their
 * snapshot. {@code java -jar streamline.bench/target/benchmarks.jar WalRecovery -p impl=file,nifi}
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

    private Path directory;

    @Setup(Level.Trial)
    public void fill() throws Exception {
        directory = Benchmarks.newDirectory("walrecovery");
        List<LogEntry> batch = new ArrayList<>(1000);
        if (impl.equals("file")) {
            try (FileWriteAheadLog log = FileWriteAheadLog.open(directory, "never")) {
                for (int i = 0; i < liveEntries; i++) {
                    batch.add(BenchEntries.started(UUID.randomUUID()));
                    if (batch.size() == 1000 || i == liveEntries - 1) {
                        log.appendAll(batch);
                        batch.clear();
                    }
                }
                log.checkpoint();
            }
        } else {
            NiFiWal log = new NiFiWal(directory.toFile());
            for (int i = 0; i < liveEntries; i++) {
                log.append(BenchEntries.started(UUID.randomUUID()), false);
            }
            log.checkpoint();
            log.shutdown();
        }
    }

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        Benchmarks.deleteRecursively(directory);
    }

    @Benchmark
    public int recover() throws Exception {
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
