package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launcher start leaves nothing in the system's temporary folder: FileInstall's temporary folder is in the home
 * ({@code data/fileinstall}), where each start used to leave an empty {@code fileinstall-<number>} folder behind in
 * {@code java.io.tmpdir}. The launched process gets a temporary folder of its own, so that the check is exact.
 */
class LauncherTempFolderIT {

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
    void aStartLeavesNoFileInstallFolderInTheTemporaryFolder() throws Exception {
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        launcher = new Launched(work, "LauncherTempFolderIT");
        launcher.start(List.of(), Map.of("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + tmp));
        // FileInstall makes its temporary folder when it starts watching deploy/, before it hands over the engine's
        // configuration, which the engine needs to start
        launcher.await("the engine started", () -> launcher.log().contains("engine started"), () -> fileInstallFolders(tmp));
        assertEquals(List.of(), fileInstallFolders(tmp), "FileInstall's folders in java.io.tmpdir while running");
        assertTrue(Files.isDirectory(launcher.home.resolve("data/fileinstall")), "FileInstall's temporary folder in the home");
        launcher.stop();
        assertEquals(List.of(), fileInstallFolders(tmp), "FileInstall's folders in java.io.tmpdir after the stop");
    }

    private static List<String> fileInstallFolders(Path tmp) {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.startsWith("fileinstall")).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError("cannot list " + tmp, e);
        }
    }
}
