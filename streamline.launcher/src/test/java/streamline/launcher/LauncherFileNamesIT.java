package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ReadDir and WriteFile on the launcher as shipped, with the names and files of real folders: a Latin-1 name (as SMB
 * shares and zips give) and a UTF-8 one under a C locale, where Java decodes no non-ASCII name; a file and a folder the
 * engine may not read among readable ones.
 */
class LauncherFileNamesIT {

    private static final String FLOW = """
            {"name": "names",
             "processors": [
               {"name": "Tag", "type": "UpdateMetadata", "config": {"tag": "${uuid()}"}},
               {"name": "Store", "type": "WriteFile", "config": {"path": "files/out/${ReadDir.Name}.${tag}"}}],
             "triggerProcessors": [
               {"name": "In", "type": "ReadDir", "config": {"input": "files/in", "recursive": "true", "minAgeMillis": "0"}}],
             "flow": "Tag->Store"}
            """;

    @TempDir
    Path work;

    private Launched launcher;

    @AfterEach
    void stop() throws InterruptedException {
        if (launcher != null) {
            launcher.close();
        }
    }

    /** A path whose last name has these raw bytes, made without the JVM's encoding. */
    private static Path rawName(Path folder, String escapedName) {
        return Path.of(URI.create(folder.toUri().toASCIIString().replaceAll("/$", "") + "/" + escapedName));
    }

    /** The outputs, each name without its session's tag. */
    private List<String> outputs() {
        return launcher.list("files/out").stream().map(name -> name.substring(0, name.lastIndexOf('.'))).sorted().toList();
    }

    private long inputs() throws IOException {
        try (Stream<Path> files = Files.walk(launcher.home.resolve("files/in"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void underACLocaleALatin1AndAUtf8NameAreEachProcessedOnceAndDeleted() throws Exception {
        launcher = new Launched(work, "LauncherFileNamesIT-locale");
        launcher.start(List.of(), Map.of("LC_ALL", "C", "LANG", "C"));
        launcher.await("the home laid out", () -> Files.isDirectory(launcher.home.resolve("flows")), () -> "");
        Path in = Files.createDirectories(launcher.home.resolve("files/in"));
        Files.writeString(rawName(in, "caf%E9.txt"), "latin-1");
        Files.writeString(rawName(in, "caf%C3%A9.txt"), "utf-8");
        Files.writeString(in.resolve("plain.txt"), "ascii");
        Files.writeString(launcher.home.resolve("flows/names.json"), FLOW);

        launcher.await("every input processed and deleted", () -> {
            try {
                return inputs() == 0 && outputs().size() >= 3;
            } catch (IOException e) {
                return false;
            }
        }, this::outputs);
        launcher.stop();
        // Latin-1 bytes read %E9, valid UTF-8 stays itself (written as UTF-8 under the C locale too), once each
        assertEquals(List.of("caf%E9.txt", "café.txt", "plain.txt"), outputs(), () -> "kept in " + launcher.keepLogs());
        assertTrue(!launcher.log().contains("InvalidPathException"), () -> "kept in " + launcher.keepLogs());
    }

    @Test
    void aFileAndAFolderTheEngineMayNotReadAreNamedAndSkippedWhileTheOthersAreProcessed() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "the engine runs as nobody through setpriv, so that a file of root's with mode 0600 is unreadable to it");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path home = Files.createDirectories(work.resolve("home"));
        chownToNobody(home);
        launcher = new Launched(work, "LauncherFileNamesIT-unreadable");
        launcher.start(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), Map.of());
        launcher.await("the home laid out", () -> Files.isDirectory(home.resolve("flows")), () -> "");
        Path in = home.resolve("files/in");
        Path lostAndFound = Files.createDirectories(in.resolve("lost+found"));
        Files.writeString(lostAndFound.resolve("hidden.txt"), "root's");
        Files.setPosixFilePermissions(lostAndFound, PosixFilePermissions.fromString("rwx------"));
        Path secret = in.resolve("b-secret.txt");
        Files.writeString(secret, "a broken upload of another owner");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        for (String name : List.of("a.txt", "c.txt", "sub/d.txt")) {
            Files.createDirectories(in.resolve(name).getParent());
            Files.writeString(in.resolve(name), name);
        }
        chownToNobody(home.resolve("files"));
        Files.setOwner(secret, Files.getOwner(work));
        Files.setOwner(lostAndFound, Files.getOwner(work));
        Files.writeString(home.resolve("flows/names.json"), FLOW);

        launcher.await("the readable files processed", () -> outputs().size() >= 3, this::outputs);
        launcher.await("the unreadable file and folder named in the log", () -> launcher.log().contains("b-secret.txt: not readable")
                && launcher.log().contains("lost+found"), this::outputs);
        launcher.stop();
        assertEquals(List.of("a.txt", "c.txt", "d.txt"), outputs(), () -> "kept in " + launcher.keepLogs());
        assertTrue(Files.exists(secret) && Files.exists(lostAndFound.resolve("hidden.txt")), "the unreadable ones stay");
        assertTrue(!launcher.log().contains("backing off"), () -> "the trigger never failed; kept in " + launcher.keepLogs());
    }

    private static void chownToNobody(Path path) throws IOException, InterruptedException {
        Process chown = new ProcessBuilder("chown", "-R", "65534:65534", path.toString()).inheritIO().start();
        assertTrue(chown.waitFor(30, TimeUnit.SECONDS) && chown.exitValue() == 0, "chown of " + path);
    }
}
