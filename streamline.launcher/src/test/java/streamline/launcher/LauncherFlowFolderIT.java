package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;

/**
 * The flow folder as an operator uses it, on the launcher with its default (persistent) flow store:
 * files too large in edges or processors are refused with their reason while another file loads; a
 * file renamed keeps its flow running; a flow renamed in its file replaces the old one; a file removed
 * while the launcher is stopped stops its flow at the next start.
 */
class LauncherFlowFolderIT {

    @TempDir
    Path work;

    private Launched launcher;

    @AfterEach
    void stop() throws InterruptedException {
        launcher.close();
    }

    /** A flow that writes every file of {@code files/in} into {@code files/<out>}. */
    private static String copyFlow(String name, String out) {
        return """
                {"name": "%s",
                 "processors": [{"name": "Store", "type": "WriteFile", "config": {"path": "files/%s/${ReadDir.Name}"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "files/in", "minAgeMillis": 0}}],
                 "flow": "Store"}
                """.formatted(name, out);
    }

    /** {@code width} processors on each side of one arrow: {@code width * width} edges. */
    private static String denseFlow(String name, int width) {
        String left = IntStream.range(0, width).mapToObj(i -> "L" + i).collect(Collectors.joining(","));
        String right = IntStream.range(0, width).mapToObj(i -> "R" + i).collect(Collectors.joining(","));
        String processors = IntStream.range(0, width).mapToObj(i -> "{\"name\": \"L" + i + "\", \"type\": \"UpdateMetadata\"}, "
                + "{\"name\": \"R" + i + "\", \"type\": \"UpdateMetadata\"}").collect(Collectors.joining(",\n"));
        return "{\"name\": \"" + name + "\", \"processors\": [" + processors + "], \"flow\": \"[" + left + "]->[" + right + "]\"}";
    }

    private void drop(String name) throws Exception {
        Path staged = work.resolve(name);
        Files.writeString(staged, name + "\n", StandardCharsets.UTF_8);
        Files.move(staged, launcher.home.resolve("files/in").resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether the engine runs a flow, by what it logged since {@code from}: its last activation or deactivation. */
    private boolean engineRuns(String flow, int from) {
        String named = "flow " + flow + " (" + FlowDefinition.idFromName(flow);
        boolean runs = false;
        for (String line : launcher.log().substring(from).lines().toList()) {
            if (line.contains(named + ") activated") || line.contains(named + ") re-activated")) {
                runs = true;
            } else if (line.contains(named + ", version ") && line.contains(") deactivated: ")) {
                runs = false;
            }
        }
        return runs;
    }

    private static long deactivations(String log, String flow) {
        String named = "flow " + flow + " (" + FlowDefinition.idFromName(flow) + ", version ";
        return log.lines().filter(line -> line.contains(named) && line.contains(") deactivated: ")).count();
    }

    @Test
    void refusesFlowsTooLargeToBuildRenamesAsTheReadmeSaysAndStopsFlowsWhoseFilesWentAwayWhileStopped() throws Exception {
        launcher = new Launched(work, "LauncherFlowFolderIT");
        launcher.start();
        Path home = launcher.home;
        launcher.await("the home laid out", () -> Files.isDirectory(home.resolve("flows")), () -> "");
        for (String folder : List.of("files/in", "files/first-out", "files/second-out", "files/witness-out")) {
            Files.createDirectories(home.resolve(folder));
        }

        // 500 x 500 edges from one arrow; 3,000 x 3,000 (9 million edges, a 200 kB file) is over the processor limit first
        launcher.write("flows/edges.json", denseFlow("edges", 500));
        launcher.write("flows/processors.json", denseFlow("processors", 3000));
        launcher.write("flows/first.json", copyFlow("first", "first-out"));
        launcher.await("both large files refused with their reasons", () -> launcher.log().contains(
                "flow file refused: edges.json: field 'flow', column ")
                && launcher.log().contains(": more than 10000 edges (the limit per flow): this '->' joins 500 processors to 500")
                && launcher.log().contains("flow file refused: processors.json: field 'processors': more than 1000 processors"),
                launcher::log);
        launcher.await("the other file's flow running", () -> engineRuns("first", 0), launcher::log);
        drop("one.txt");
        launcher.await("one.txt through the flow", () -> launcher.list("files/first-out").contains("one.txt"),
                () -> launcher.list("files/first-out"));

        // mv first.json renamed.json: the flow runs on, neither stopped nor saved again
        Files.move(home.resolve("flows/first.json"), home.resolve("flows/renamed.json"));
        launcher.await("the renamed file read", () -> launcher.log().contains("flow 'first' (" + FlowDefinition.idFromName("first")
                + ") unchanged from renamed.json"), launcher::log);
        assertEquals(0, deactivations(launcher.log(), "first"), "the flow was not stopped");
        assertFalse(launcher.log().contains("flow first (" + FlowDefinition.idFromName("first") + ") re-activated"),
                "the flow was not restarted");
        drop("two.txt");
        launcher.await("two.txt through the flow", () -> launcher.list("files/first-out").contains("two.txt"),
                () -> launcher.list("files/first-out"));

        // "name" changed in the file: the new flow replaces the old one
        launcher.write("flows/renamed.json", copyFlow("second", "second-out"));
        launcher.await("the old flow stopped and the new one running", () -> !engineRuns("first", 0) && engineRuns("second", 0),
                launcher::log);
        drop("three.txt");
        launcher.await("three.txt through the new flow", () -> launcher.list("files/second-out").contains("three.txt"),
                () -> launcher.list("files/second-out"));
        assertEquals(List.of("one.txt", "two.txt"), launcher.list("files/first-out"), "the old flow took nothing more");

        // renamed.json removed while the launcher is stopped: its flow is stopped at the next start
        launcher.stop();
        int restart = launcher.log().length();
        Files.delete(home.resolve("flows/renamed.json"));
        launcher.start();
        launcher.await("the flow whose file is gone made inactive", () -> launcher.log().contains("flow "
                + FlowDefinition.idFromName("second") + " was saved from the flow file renamed.json, which is gone: it is inactive"),
                launcher::log);
        // a flow saved after that change: once the engine runs it, it has seen every earlier change of the store
        Files.createDirectories(home.resolve("files/witness-in"));
        launcher.write("flows/witness.json", copyFlow("witness", "witness-out").replace("files/in", "files/witness-in"));
        launcher.await("the engine caught up with the store", () -> engineRuns("witness", restart), launcher::log);
        assertFalse(engineRuns("second", restart), "the flow of the removed file does not run: " + launcher.keepLogs());
    }
}
