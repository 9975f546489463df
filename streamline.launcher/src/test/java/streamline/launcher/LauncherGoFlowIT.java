package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flow file written the Go project's way runs unchanged on the launcher as shipped: its {@code ReadDir} keys
 * ({@code regex_filter}, files kept), {@code WriteFile}'s {@code output}, a {@code null} configuration value and an
 * empty {@code logLevel}, and {@code getState}/{@code setState} carrying a value from one session to the next.
 */
class LauncherGoFlowIT {

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
    void aGoFlowFileRunsUnchanged() throws Exception {
        launcher = new Launched(work, "LauncherGoFlowIT");
        Path home = launcher.home;
        Files.createDirectories(home.resolve("flows"));
        Files.createDirectories(home.resolve("inbox/go"));
        // "previous" reads what the last session stored, then stores this session's file name
        Files.writeString(home.resolve("flows/go.json"), """
                {"name": "go", "description": "",
                 "processors": [
                   {"name": "Remember", "type": "UpdateMetadata", "logLevel": "", "config": {
                     "previous": "${('last' =~ getState('local') ? getState('local')['last'] : 'none') + setState('local', {'last': $env['ReadDir.Name']})}",
                     "unset": null}},
                   {"name": "Write", "type": "WriteFile", "logLevel": "", "config": {"output": "outbox/go/${$env[\\"ReadDir.Name\\"]}.after-${previous}"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "logLevel": "",
                   "config": {"input": "inbox/go", "regex_filter": "\\\\.txt", "minAgeMillis": "0", "recursive": null}}],
                 "flow": "Remember->Write"}
                """);
        launcher.start();
        launcher.await("the flow active", () -> launcher.log().contains("flow go ("),
                () -> launcher.log().lines().filter(line -> line.contains("flow ")).toList());

        drop("a.txt");
        launcher.await("the first file written", () -> launcher.list("outbox/go").contains("a.txt.after-none"),
                () -> launcher.list("outbox/go"));
        drop("skipped.csv");
        drop("b.txt");
        launcher.await("the second file written, after the first", () -> launcher.list("outbox/go").contains("b.txt.after-a.txt"),
                () -> launcher.list("outbox/go"));
        assertEquals("dropped a.txt\n", Files.readString(home.resolve("outbox/go/a.txt.after-none"), StandardCharsets.UTF_8));
        assertEquals(List.of("a.txt", "b.txt", "skipped.csv"), launcher.list("inbox/go"), "files are kept, as the Go project does");
        assertEquals(List.of("a.txt.after-none", "b.txt.after-a.txt"), launcher.list("outbox/go"), "each file once; the .csv not at all");

        launcher.stop();
        assertTrue(launcher.list("outbox/go").size() == 2);
    }

    private void drop(String name) throws IOException {
        Path staged = work.resolve(name);
        Files.writeString(staged, "dropped " + name + "\n", StandardCharsets.UTF_8);
        Files.move(staged, launcher.home.resolve("inbox/go").resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }
}
