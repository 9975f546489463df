package streamline.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A size-limited file system for tests of a full disk: a tmpfs mounted on a folder (root only; a test elsewhere is
 * skipped by assumption), filled to the last byte with a ballast file, freed by deleting it, unmounted on close.
 */
public final class SmallFileSystem implements AutoCloseable {

    private final Path mountPoint;
    private final Path ballast;

    private SmallFileSystem(Path mountPoint) {
        this.mountPoint = mountPoint;
        this.ballast = mountPoint.resolve("ballast");
    }

    /** Mounts a tmpfs of {@code size} (as mount takes it: {@code 1m}) on {@code folder}, made if missing. */
    public static SmallFileSystem mount(Path folder, String size) throws IOException, InterruptedException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Files.createDirectories(folder);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", folder.toString())
                .redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes());
        Assumptions.assumeTrue(mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0,
                "mount -t tmpfs refused here (a container without the capability?): " + output);
        return new SmallFileSystem(folder);
    }

    public Path folder() {
        return mountPoint;
    }

    /** Fills the file system until a write fails for want of space. */
    public void fill() throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(ballast)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            if (e.getMessage() == null || !e.getMessage().contains("No space left on device")) {
                throw e;
            }
        }
    }

    /** Frees the space {@link #fill} took. */
    public void free() throws IOException {
        Files.deleteIfExists(ballast);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Process umount = new ProcessBuilder("umount", "-l", mountPoint.toString()).redirectErrorStream(true).start();
        umount.getInputStream().readAllBytes();
        umount.waitFor(30, TimeUnit.SECONDS);
    }
}
