package streamline.bench;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to recover a log holding {@code liveEntries} live entries, warmed up, the log filled in this JVM.
 * {@code java -jar streamline.bench/target/benchmarks.jar WalRecovery -p impl=file,nifi}
 *
 * <p>The collection before each iteration shrinks the heap to about 56 MB, so a recovery here includes
 * the JVM growing it back to the 1.5 GB a million entries take (page faults, young collections of a small
 * young generation). {@code -jvmArgsAppend "-Xms6g -Xmx6g"} (which replaces the flags below) measures
 * the logs on a heap fixed at 6 GB instead; {@link WalColdRecovery} measures recovery in a fresh JVM.
 */
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class WalRecovery extends RecoveryBenchmark {

    @Setup(Level.Trial)
    public void fill() throws Exception {
        directory = Benchmarks.newDirectory("walrecovery");
        fill(impl, directory, liveEntries, BenchEntries.Ids.of(ids));
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
}
