package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Empty files, as a new user tries first: 200 of them dropped into {@code inbox/} all come out in {@code outbox/},
 * empty, and none fails, also with the launcher killed with SIGKILL while they go through and started again.
 */
class LauncherEmptyFilesIT {

    private static final int FILES = 200;

    @TempDir
    Path work;

    private Launched launcher;

    @AfterEach
    void stop() throws InterruptedException {
        launcher.close();
    }

    @Test
    void twoHundredEmptyFilesAllComeOutAndNoneFails() throws Exception {
        launcher = new Launched(work, "LauncherEmptyFilesIT");
        launcher.start();
        Path home = launcher.home;
        launcher.await("the home laid out", () -> Files.isDirectory(home.resolve("inbox")), () -> "");
        Path staging = Files.createDirectories(work.resolve("staging"));
        for (int i = 0; i < FILES; i++) {
            Path staged = Files.createFile(staging.resolve(String.format("empty-%03d.txt", i)));
            Files.move(staged, home.resolve("inbox").resolve(staged.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        launcher.await("the first empty files out", () -> launcher.list("outbox").size() >= 10,
                () -> launcher.list("outbox").size() + " out, failed " + launcher.list("data/runtime/failed").size());
        launcher.kill();
        launcher.start();
        launcher.await("every empty file out and the inbox empty",
                () -> launcher.list("outbox").size() == FILES && launcher.list("inbox").isEmpty(),
                () -> launcher.list("outbox").size() + " out, " + launcher.list("inbox").size() + " in, failed "
                        + launcher.list("data/runtime/failed").size());
        launcher.stop();

        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            Path out = home.resolve("outbox").resolve(String.format("empty-%03d.txt", i));
            if (!Files.isRegularFile(out)) {
                wrong.add(out.getFileName() + " missing");
            } else if (Files.size(out) != 0) {
                wrong.add(out.getFileName() + " not empty");
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(List.of(), launcher.list("data/runtime/failed"), () -> "no session failed; logs kept in " + launcher.keepLogs());
    }
}
