package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code roots} is read as every list of the configuration: one .cfg string, comma-separated, each name trimmed. */
class FileRootsListTest {

    @TempDir
    Path home;

    @Test
    void rootsFromOneCfgStringAreTrimmed() throws Exception {
        Files.createDirectories(home.resolve("outbox"));
        FileRoots roots = new FileRoots(home, List.of("inbox, outbox ,inbox"));
        assertEquals(home.toRealPath().resolve("outbox/a.txt"), roots.forWriting("outbox/a.txt"));
    }
}
