package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.testkit.Eventually;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The product as a user runs it: {@code java -jar streamline.jar --home DIR}, as a real child
 * process. 200 files go into {@code inbox/}; the process is killed with SIGKILL at several moments
 * and started again; in the end every file is in {@code outbox/} exactly once with its content,
 * {@code inbox/} is empty, and the write-ahead log holds no unfinished session.
 */
class LauncherKillIT {

    private static final int FILES = 200;
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path work;

    private Path home;
    private int starts;

    private Process start() throws IOException {
        starts++;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File log = work.resolve("process-" + starts + ".log").toFile();
        return new ProcessBuilder(java, "-Xmx256m", "-jar", System.getProperty("streamline.jar"), "--home", home.toString())
                .redirectErrorStream(true).redirectOutput(log).start();
    }

    /** How often the home's log says the file write-ahead log was opened (once per start, after its recovery). */
    private long walOpenings() {
        try (Stream<String> lines = Files.lines(home.resolve("logs/streamline.log"), StandardCharsets.UTF_8)) {
            return lines.filter(line -> line.contains("write-ahead log open in")).count();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    private long count(String folder) {
        try (Stream<Path> files = Files.list(home.resolve(folder))) {
            return files.filter(f -> !f.getFileName().toString().startsWith(".")).count();
        } catch (IOException e) {
            return -1;
        }
    }

    private void await(String what, Process process, BooleanSupplier condition) {
        Eventually.await(what, TIMEOUT, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("the process ended (exit " + process.exitValue() + ") while waiting for " + what + "; see " + work);
            }
            return condition.getAsBoolean();
        }, () -> "outbox " + count("outbox") + ", inbox " + count("inbox") + "; logs in " + home.resolve("logs"));
    }

    private static void kill(Process process) throws InterruptedException {
        process.destroyForcibly(); // SIGKILL
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed process ended");
    }

    private static String content(int i) {
        return "file " + i + " " + "x".repeat(i % 50) + "\n";
    }

    @Test
    void everyFileArrivesExactlyOnceThroughKillsAndRestarts() throws Exception {
        home = work.resolve("home");
        Process process = start();
        await("the home laid out", process, () -> Files.isDirectory(home.resolve("inbox")));
        Path staging = Files.createDirectories(work.resolve("staging"));
        for (int i = 0; i < FILES; i++) {
            Path staged = staging.resolve(String.format("f-%03d.txt", i));
            Files.writeString(staged, content(i), StandardCharsets.UTF_8);
            Files.move(staged, home.resolve("inbox").resolve(staged.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }

        // killed while sessions run, at different depths
        await("the first files through", process, () -> count("outbox") >= 20);
        kill(process);
        process = start();
        await("more files through", process, () -> count("outbox") >= 90);
        kill(process);
        long recoveredBefore = walOpenings();
        process = start();
        // killed as soon as the log is recovered: while the engine starts and resumes the recovered sessions
        await("the write-ahead log recovered", process, () -> walOpenings() > recoveredBefore);
        kill(process);
        process = start();
        await("more files through after a kill during start", process, () -> count("outbox") >= 150);
        kill(process);

        process = start();
        await("every file through and the inbox empty", process, () -> count("outbox") == FILES && count("inbox") == 0);
        process.destroy(); // SIGTERM: the framework stops cleanly, running steps finish and are logged
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the process stopped");

        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            Path out = home.resolve("outbox").resolve(String.format("f-%03d.txt", i));
            if (!Files.isRegularFile(out)) {
                wrong.add(out.getFileName() + " missing");
            } else if (!Files.readString(out).equals(content(i))) {
                wrong.add(out.getFileName() + " has other content");
            }
        }
        assertEquals(List.of(), wrong);
        try (Stream<Path> files = Files.list(home.resolve("outbox"))) {
            assertEquals(FILES, files.count(), "nothing else in outbox (no duplicate, no temporary file)");
        }
        try (Stream<Path> files = Files.list(home.resolve("inbox"))) {
            assertEquals(List.of(), files.toList(), "nothing left in inbox");
        }
        try (FileWriteAheadLog wal = FileWriteAheadLog.open(home.resolve("data/wal"), "never")) {
            assertEquals(List.of(), wal.liveEntries(), "no session unfinished in the write-ahead log");
        }
    }
}
