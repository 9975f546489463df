package streamline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recovery as an engine's start sees it: every measurement is the one recovery of a fresh JVM (a fork of
 * its own), of a log that another JVM filled, so nothing of the log is compiled yet and the heap is as
 * the JVM starts it. {@link WalRecovery} measures the same work warmed up. The figure is the mean of the
 * forks. {@code java -jar streamline.bench/target/benchmarks.jar WalColdRecovery -p impl=file,nifi}
 */
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 5, jvmArgsAppend = {"-Xmx6g"})
public class WalColdRecovery extends RecoveryBenchmark {

    @Setup(Level.Trial)
    public void fillInAnotherJvm() throws Exception {
        // an engine has its logging running before any log recovers: both logging APIs start here, unmeasured
        org.apache.logging.log4j.LogManager.getLogger(WalColdRecovery.class).debug("logging started");
        org.slf4j.LoggerFactory.getLogger(WalColdRecovery.class).debug("logging started");
        directory = Benchmarks.newDirectory("walcoldrecovery");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process filler = new ProcessBuilder(List.of(java.toString(), "-Xmx6g", "-cp",
                System.getProperty("java.class.path"), Filler.class.getName(), impl, directory.toString(),
                Integer.toString(liveEntries), ids)).inheritIO().start();
        int exit = filler.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("filling the " + impl + " log in " + directory + " failed: exit " + exit);
        }
    }

    /** The JVM that fills a log: {@code impl directory liveEntries ids}. */
    public static final class Filler {
        private Filler() {
        }

        public static void main(String[] args) throws Exception {
            Path directory = Path.of(args[1]);
            if (!Files.isDirectory(directory)) {
                throw new IllegalArgumentException("no directory " + directory);
            }
            RecoveryBenchmark.fill(args[0], directory, Integer.parseInt(args[2]), BenchEntries.Ids.of(args[3]));
        }
    }
}
