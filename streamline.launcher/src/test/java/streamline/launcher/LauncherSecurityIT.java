package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of the trust model on the launcher as shipped: flows that try to write outside their roots
 * (through {@code ..} composed from metadata, through a link), to read the engine's own files, to exhaust
 * memory or time with an expression, to outlive their timeout through a grandchild, and a link dropped
 * into the inbox. Each is refused (its session fails, saying why), and the example flow goes on serving.
 */
class LauncherSecurityIT {

    private static final Pattern FLOW_NAME = Pattern.compile("\"flowName\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TempDir
    Path work;

    private Launched launcher;

    @AfterEach
    void stop() throws InterruptedException {
        launcher.close();
    }

    /** A flow started by a file dropped into {@code files/<name>-in}: its processors, in a line. */
    private void hostileFlow(String name, String processors, String flow) throws IOException {
        Files.createDirectories(launcher.home.resolve("files/" + name + "-in"));
        Files.writeString(launcher.home.resolve("flows/" + name + ".json"), """
                {"name": "%s",
                 "processors": [%s],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "files/%s-in", "minAgeMillis": "0"}}],
                 "flow": "%s"}
                """.formatted(name, processors, name, flow));
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

    @Test
    void everyAttackIsRefusedAndTheExampleFlowGoesOnServing() throws Exception {
        launcher = new Launched(work, "LauncherSecurityIT");
        launcher.start();
        Path home = launcher.home;
        launcher.await("the home laid out", () -> Files.isRegularFile(home.resolve("flows/example.json")), () -> "");
        Files.writeString(home.resolve("deploy/streamline.processors.runexecutable.cfg"), "allowed=/bin/sh\n");
        Files.createDirectories(home.resolve("files/pids"));
        Files.createSymbolicLink(home.resolve("files/linked"), home.resolve("deploy"));

        Map<String, String> expected = new LinkedHashMap<>();
        hostileFlow("escape", """
                {"name": "Aim", "type": "UpdateMetadata", "config": {"target": "../../deploy/evil.cfg"}},
                {"name": "Write", "type": "WriteFile", "config": {"path": "files/out/${target}"}}""", "Aim->Write");
        expected.put("escape", "which they never may");
        hostileFlow("through-link", """
                {"name": "Write", "type": "WriteFile", "config": {"path": "files/linked/evil.cfg"}}""", "Write");
        expected.put("through-link", "(really " + home.resolve("deploy").toRealPath());
        hostileFlow("read-own", """
                {"name": "Read", "type": "ReadFile", "config": {"path": "data/runtime/in-use.json"}}""", "Read");
        expected.put("read-own", "which they never may");
        hostileFlow("memory", """
                {"name": "Build", "type": "UpdateMetadata", "config": {"big": "${{'a': 1..2147483647}}"}}""", "Build");
        expected.put("memory", "builds more than 10000 elements");
        hostileFlow("backtrack", """
                {"name": "Match", "type": "UpdateMetadata", "config": {"m": "${ReadDir.Name =~ '.*a.*a.*a.*b'}"}}""", "Match");
        expected.put("backtrack", "gave up after 20000000 character reads");
        hostileFlow("grandchild", """
                {"name": "Run", "type": "RunExecutable", "config": {"executable": "/bin/sh", "timeoutSeconds": "2",
                 "arguments": ["-c", "sleep 600 & echo $! > files/pids/grandchild; sleep 600"]}}""", "Run");
        expected.put("grandchild", "ran longer than 2 s and was killed");

        launcher.await("every flow active", () -> expected.keySet().stream()
                .allMatch(name -> Pattern.compile("flow " + name + " \\(.*\\) activated").matcher(launcher.log()).find()),
                () -> launcher.log().lines().filter(line -> line.contains("flow ")).toList());
        for (String name : expected.keySet()) {
            drop("files/" + name + "-in", name.equals("backtrack") ? "a".repeat(200) : name + ".txt");
        }
        Files.createSymbolicLink(home.resolve("inbox/link.txt"), home.resolve("deploy/streamline.processors.runexecutable.cfg"));
        drop("inbox", "good.txt");

        launcher.await("every attack refused", () -> failures().keySet().containsAll(expected.keySet()), this::failures);
        Map<String, String> failures = failures();
        for (Map.Entry<String, String> attack : expected.entrySet()) {
            String error = failures.get(attack.getKey());
            assertTrue(error.contains(attack.getValue()), attack.getKey() + " failed for the wrong reason: " + error);
        }
        launcher.await("the example flow served", () -> launcher.list("outbox").contains("good.txt"), () -> launcher.list("outbox"));
        drop("inbox", "after.txt");
        launcher.await("and goes on serving", () -> launcher.list("outbox").contains("after.txt"), () -> launcher.list("outbox"));

        assertEquals(List.of("after.txt", "good.txt"), launcher.list("outbox"), "the link in the inbox was not copied");
        assertTrue(launcher.log().contains("link.txt"), "the skipped link is named in the log");
        assertFalse(Files.exists(home.resolve("deploy/evil.cfg")), "nothing written into deploy/");
        long grandchild = Long.parseLong(Files.readString(home.resolve("files/pids/grandchild")).trim());
        launcher.await("the grandchild killed with its parent",
                () -> ProcessHandle.of(grandchild).map(handle -> !handle.isAlive()).orElse(true), () -> grandchild);
    }
}
