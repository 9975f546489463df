package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

import streamline.testkit.Eventually;

/**
 * The launcher as a user runs it ({@code java -jar streamline.jar --home DIR}), started, killed and
 * started again as a child process, with what a test reads from its home. A failure keeps the
 * engine's log and the processes' output under {@code target/}, since the home is temporary.
 */
final class Launched implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    final Path work;
    final Path home;
    private final String name;
    private Process process;
    private int starts;

    Launched(Path work, String name) {
        this.work = work;
        this.home = work.resolve("home");
        this.name = name;
    }

    void start() throws IOException {
        start(List.of(), Map.of());
    }

    /** Started through {@code wrapper} (e.g. {@code setpriv} to run as another user), with these environment variables set. */
    void start(List<String> wrapper, Map<String, String> environment) throws IOException {
        starts++;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File log = work.resolve("process-" + starts + ".log").toFile();
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(java, "-Xmx256m", "-jar", System.getProperty("streamline.jar"), "--home", home.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log);
        builder.environment().putAll(environment);
        process = builder.start();
    }

    Process process() {
        return process;
    }

    /** SIGKILL, as a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed process ended");
    }

    /** SIGTERM: the framework stops cleanly. */
    void stop() throws InterruptedException {
        process.destroy();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the process stopped");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    void await(String what, BooleanSupplier condition, Supplier<Object> observed) {
        Eventually.await(what, TIMEOUT, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("the process ended (exit " + process.exitValue() + ") while waiting for " + what
                        + "; observed " + observed.get() + "; logs kept in " + keepLogs());
            }
            return condition.getAsBoolean();
        }, () -> observed.get() + "; logs kept in " + keepLogs());
    }

    /** The names in a folder of the home, without hidden (temporary) files, sorted. */
    List<String> list(String folder) {
        try (Stream<Path> files = Files.list(home.resolve(folder))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    String log() {
        try {
            return Files.readString(home.resolve("logs/streamline.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Copies the engine's log and every process's output out of the temporary home. */
    Path keepLogs() {
        Path kept = Path.of(System.getProperty("streamline.kept.logs", "target"), name + "-" + System.currentTimeMillis()).toAbsolutePath();
        try {
            Files.createDirectories(kept);
            for (int i = 1; i <= starts; i++) {
                Files.copy(work.resolve("process-" + i + ".log"), kept.resolve("process-" + i + ".log"));
            }
            Files.copy(home.resolve("logs/streamline.log"), kept.resolve("streamline.log"));
        } catch (IOException e) {
            return Path.of("(not all kept: " + e + ")");
        }
        return kept;
    }

    /** Replaces a file of the home atomically, as an editor that saves by renaming does. */
    void write(String file, String text) throws IOException {
        Path staged = work.resolve("staged-" + Path.of(file).getFileName());
        Files.writeString(staged, text, StandardCharsets.UTF_8);
        Files.move(staged, home.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
