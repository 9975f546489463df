package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile expression on the launcher as shipped: membership between two ranges of 2^63 elements as an
 * {@code UpdateMetadata} value (56 characters that would walk a range element by element for good), with a step
 * timeout of 3 s. Its step fails within the timeout, saying why; the worker is free, so the example flow goes on
 * serving; and the launcher stops on SIGTERM.
 */
class LauncherExpressionIT {

    private static final String HOSTILE = "${(1..9223372036854775807) =~ (1..9223372036854775807)}";
    private static final Pattern FLOW_NAME = Pattern.compile("\"flowName\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TempDir
    Path work;

    private Launched launcher;

    @AfterEach
    void stop() throws InterruptedException {
        if (launcher != null) {
            launcher.close();
        }
    }

    @Test
    void aRunawayExpressionFailsItsStepAndTheLauncherGoesOnServingAndStops() throws Exception {
        launcher = new Launched(work, "LauncherExpressionIT");
        Path home = launcher.home;
        // laid out before the first start: the launcher keeps files that are there
        Files.createDirectories(home.resolve("deploy"));
        Files.writeString(home.resolve("deploy/streamline.runtime.cfg"), """
                wal.target=(streamline.wal.type=file)
                flowManager.target=(streamline.flow.type=jpa)
                workers=8
                poll.interval.ms=500
                step.timeout.seconds=3
                """);
        Files.createDirectories(home.resolve("flows"));
        Files.createDirectories(home.resolve("files/ranges-in"));
        Files.writeString(home.resolve("flows/ranges.json"), """
                {"name": "ranges",
                 "processors": [{"name": "Walk", "type": "UpdateMetadata", "maxRetries": 0, "config": {"m": "%s"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "files/ranges-in", "minAgeMillis": "0"}}],
                 "flow": "Walk"}
                """.formatted(HOSTILE));
        launcher.start();
        launcher.await("the flows active", () -> launcher.log().contains("flow ranges (") && launcher.log().contains("flow example ("),
                () -> launcher.log().lines().filter(line -> line.contains("flow ")).toList());

        long dropped = System.nanoTime();
        drop("files/ranges-in", "walk.txt");
        launcher.await("the step refused", () -> failures().containsKey("ranges"), this::failures);
        long seconds = (System.nanoTime() - dropped) / 1_000_000_000L;
        String error = failures().get("ranges");
        assertTrue(error.contains("builds more than 10000 elements"), "refused for the wrong reason: " + error);
        assertTrue(error.contains("Walk") && error.contains("'m'"), "the error names the processor and key: " + error);
        // the trigger polls and the session starts within a second or two; the step itself is refused at once
        assertTrue(seconds < 3 + 10, "refused within the step timeout, not hanging; took " + seconds + " s");

        drop("inbox", "good.txt");
        launcher.await("the example flow served", () -> launcher.list("outbox").contains("good.txt"), () -> launcher.list("outbox"));
        drop("files/ranges-in", "again.txt");
        drop("inbox", "after.txt");
        launcher.await("and goes on serving", () -> launcher.list("outbox").contains("after.txt"), () -> launcher.list("outbox"));

        launcher.stop(); // SIGTERM: asserts the process ended
        assertTrue(launcher.log().contains("builds more than 10000 elements"), "the refusal is in the engine's log");
    }

    private void drop(String folder, String name) throws IOException {
        Path staged = work.resolve(name);
        Files.writeString(staged, "dropped into " + folder + "\n", StandardCharsets.UTF_8);
        Files.move(staged, launcher.home.resolve(folder).resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** The failed sessions' errors by flow name. */
    private Map<String, String> failures() {
        Map<String, String> byFlow = new TreeMap<>();
        try (Stream<Path> folders = Files.list(launcher.home.resolve("data/runtime/failed"))) {
            for (Path folder : folders.toList()) {
                Path description = folder.resolve("session.json");
                if (Files.isRegularFile(description)) {
                    String failed = Files.readString(description, StandardCharsets.UTF_8);
                    Matcher flow = FLOW_NAME.matcher(failed);
                    Matcher error = ERROR.matcher(failed);
                    if (flow.find() && error.find()) {
                        byFlow.put(flow.group(1), error.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
                    }
                }
            }
        } catch (IOException e) {
            return byFlow;
        }
        return byFlow;
    }
}
