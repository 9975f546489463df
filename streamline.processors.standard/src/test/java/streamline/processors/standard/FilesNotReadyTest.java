package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.processor.StepUnavailableException;
import streamline.testkit.ProcessorHarness;
import streamline.testkit.SmallFileSystem;

/** WriteFile and ReadFile say "not now" for a full disk, a quota or a missing mount, and fail for anything else. */
class FilesNotReadyTest {

    @TempDir
    Path home;

    @Test
    void aFullDiskMakesWriteFileWaitAndFreedSpaceLetsItWrite() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(home.resolve("outbox"), "1m")) {
            disk.fill();
            StepUnavailableException full = assertThrows(StepUnavailableException.class, () -> ProcessorHarness.of(new WriteFile(home))
                    .config(Map.of("path", "outbox/a.bin")).content("x".repeat(64 * 1024)).run());
            assertTrue(full.reason().startsWith("WriteFile: ") && full.reason().contains("No space left on device"), full.reason());
            assertEquals(List.of("ballast"), List.of(Files.list(disk.folder()).map(p -> p.getFileName().toString()).toArray()),
                    "no temporary file left on the full disk");
            disk.free();
            ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/a.bin")).content("x".repeat(64 * 1024)).run();
            assertEquals(64 * 1024, Files.size(disk.folder().resolve("a.bin")));
        }
    }

    @Test
    void aMissingMountMakesWriteFileAndReadFileWaitAndCreatesNothingBeneathIt() throws Exception {
        Path mount = home.getParent().resolve(home.getFileName() + "-mnt").resolve("share");
        FileRoots roots = new FileRoots(home, List.of(mount.toString()));
        StepUnavailableException writing = assertThrows(StepUnavailableException.class, () -> ProcessorHarness.of(new WriteFile(roots))
                .config(Map.of("path", mount.resolve("out/a.txt").toString())).content("a").run());
        assertTrue(writing.reason().contains("does not exist (a mount not there?)"), writing.reason());
        assertFalse(Files.exists(mount), "nothing made where the mount should be");
        StepUnavailableException reading = assertThrows(StepUnavailableException.class, () -> ProcessorHarness.of(new ReadFile(roots))
                .config(Map.of("path", mount.resolve("in/a.txt").toString())).run());
        assertTrue(reading.reason().startsWith("ReadFile: "), reading.reason());

        Files.createDirectories(mount);
        ProcessorHarness.of(new WriteFile(roots)).config(Map.of("path", mount.resolve("out/a.txt").toString())).content("a").run();
        assertEquals("a", Files.readString(mount.resolve("out/a.txt")));
        assertThrows(NoSuchFileException.class, () -> ProcessorHarness.of(new ReadFile(roots))
                .config(Map.of("path", mount.resolve("in/missing.txt").toString())).run(), "a missing file under a present mount fails");
    }

    @Test
    void onlyAFileSystemNotReadyWaits() {
        assertTrue(FilesNotReady.classify(new IOException("Disk quota exceeded"), "WriteFile") instanceof StepUnavailableException);
        assertTrue(FilesNotReady.classify(new FileSystemException("/x", null, "No space left on device"), "WriteFile")
                instanceof StepUnavailableException);
        assertTrue(FilesNotReady.classify(new IOException("copy failed", new IOException("Stale file handle")), "ReadFile")
                instanceof StepUnavailableException);
        IOException denied = new AccessDeniedException("/x");
        assertSame(denied, FilesNotReady.classify(denied, "WriteFile"));
        IOException missing = new NoSuchFileException("/x");
        assertSame(missing, FilesNotReady.classify(missing, "ReadFile"));
    }

    @Test
    void runExecutableNeverWaitsItsExitStatusIsAResult() throws Exception {
        Path sh = Path.of("/bin/sh").toRealPath();
        Exception failed = assertThrows(Exception.class, () -> ProcessorHarness.of(new RunExecutable(home, List.of(sh.toString()), 1000))
                .config(Map.of("executable", sh.toString(), "arguments", List.of("-c", "echo 'No space left on device' >&2; exit 28")))
                .run());
        assertFalse(failed instanceof StepUnavailableException, failed.toString());
        assertTrue(failed.getMessage().contains("No space left on device"), failed.getMessage());
    }
}
