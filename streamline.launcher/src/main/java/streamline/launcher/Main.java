package streamline.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar streamline.jar [--home DIR]}: lays out the home folder with working defaults on
 * first start, points the framework at it (system properties the bundles read), and hands over to
 * bnd's launcher, which starts Felix with every bundle of the jar.
 */
@Command(name = "streamline", mixinStandardHelpOptions = true, version = "Streamline 0.1.0",
        description = "Starts the Streamline workflow engine with the bundles in this jar.")
public final class Main implements Callable<Integer> {

    /** Files a new home gets, from this jar's resources, and where they go. */
    private static final List<String> DEFAULTS = List.of(
            "deploy/streamline.runtime.cfg",
            "deploy/streamline.wal.file.cfg",
            "flows/example.json",
            "log4j2.xml");
    private static final List<String> FOLDERS = List.of("deploy", "flows", "data", "logs", "inbox", "outbox");
    /** The log, session content, processor state, failed sessions, databases and the engine's log: nobody else's to read. */
    private static final List<String> PRIVATE_FOLDERS = List.of("data", "logs");

    @Option(names = "--home", description = "The home folder: deploy/, flows/, data/, logs/ (default: ${DEFAULT-VALUE}).",
            defaultValue = "streamline-home")
    private Path home;

    @Parameters(hidden = true, description = "Passed on to bnd's launcher.")
    private List<String> rest = List.of();

    public static void main(String[] args) throws Throwable {
        Main main = new Main();
        CommandLine commandLine = new CommandLine(main);
        int exit = commandLine.execute(args);
        if (exit != 0 || commandLine.isUsageHelpRequested() || commandLine.isVersionHelpRequested()) {
            System.exit(exit);
        }
        // bnd's launcher (in this jar) starts the framework with the bundles embedded next to it
        Class.forName("aQute.launcher.pre.EmbeddedLauncher").getMethod("main", String[].class)
                .invoke(null, (Object) main.rest.toArray(String[]::new));
    }

    /** Makes a folder readable by its owner only, where the file system has POSIX permissions. */
    private static void ownerOnly(Path folder) throws IOException {
        if (Files.getFileStore(folder).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /**
     * Writes a default file whole (through a temporary file, so a crash never leaves half of one), unless
     * the user's own file appeared meanwhile: that one is kept.
     */
    private static void layOutDefault(String file, Path target) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + ".default-tmp");
        try (InputStream in = Main.class.getResourceAsStream("home/" + file)) {
            if (in == null) {
                throw new IllegalStateException("default " + file + " is missing from the launcher jar");
            }
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
        }
        try {
            Files.move(temp, target);
        } catch (FileAlreadyExistsException e) {
            Files.delete(temp);
        }
    }

    @Override
    public Integer call() throws IOException {
        Path root = home.toAbsolutePath().normalize();
        for (String folder : FOLDERS) {
            Files.createDirectories(root.resolve(folder));
        }
        for (String folder : PRIVATE_FOLDERS) {
            ownerOnly(root.resolve(folder));
        }
        for (String file : DEFAULTS) {
            Path target = root.resolve(file);
            if (!Files.exists(target)) {
                layOutDefault(file, target);
            }
        }
        System.setProperty("streamline.home", root.toString());
        System.setProperty("felix.fileinstall.dir", root.resolve("deploy").toString());
        // the framework's bundle cache in the home, emptied at each start: bnd's launcher otherwise makes a new
        // folder in the temp directory each time and deletes it only on a clean stop, so every crash left 21 MB
        setIfAbsent("org.osgi.framework.storage", root.resolve("data").resolve("framework").toString());
        // the .cfg files are the user's: FileInstall must not write them back. It rewrites a file on every
        // configuration event of its PID, so an event handled after the user saved an edit puts the values
        // from before the edit back, and the edit is lost without a word. The likely cause of
        // LauncherShellIT's switch of the write-ahead log never happening, about one run in thirty.
        setIfAbsent("felix.fileinstall.enableConfigSave", "false");
        setIfAbsent("log4j2.configurationFile", root.resolve("log4j2.xml").toString());
        setIfAbsent("streamline.logs", root.resolve("logs").toString());
        // SIGTERM and Ctrl-C stop the framework cleanly; Log4j then stops with its bundle, not before it
        setIfAbsent("streamline.stop.framework.on.exit", "true");
        setIfAbsent("log4j2.shutdownHookEnabled", "false");
        if (System.console() == null) {
            // no terminal (a service, a test, a pipe closed): run the shell without reading commands
            setIfAbsent("gosh.args", "--nointeractive");
        }
        System.out.println("Streamline home: " + root);
        return 0;
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
