package streamline.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;

import sun.misc.Signal;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar streamline.jar [--home DIR | DIR]}: takes the home's lock (one launcher per home), lays
 * out the home folder with working defaults on first start, points the framework at it (system properties
 * the bundles read), and hands over to bnd's launcher, which starts Felix with every bundle of the jar.
 * Exit codes: {@value #EXIT_CLEAN} a clean stop (SIGTERM, Ctrl-C), {@value #EXIT_USAGE} a wrong command line,
 * {@value #EXIT_HOME_IN_USE} the home is used by another launcher, {@value #EXIT_HOME_UNUSABLE} the home
 * cannot be created or written.
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

    static final int EXIT_CLEAN = 0;
    static final int EXIT_USAGE = 2;
    static final int EXIT_HOME_IN_USE = 3;
    static final int EXIT_HOME_UNUSABLE = 4;
    /** The home's lock file: held by the running launcher, with its process id inside. */
    static final String LOCK_FILE = "streamline.lock";
    private static final String DEFAULT_HOME = "streamline-home";

    @Option(names = "--home", description = "The home folder: deploy/, flows/, data/, logs/ (default: " + DEFAULT_HOME + ").")
    private Path home;

    @Parameters(arity = "0..1", paramLabel = "HOME", description = "The home folder, as --home.")
    private Path positionalHome;

    /**
     * The home's lock, held until the JVM ends (a channel no longer referenced would be closed by the garbage
     * collector, releasing the lock while the framework still runs).
     */
    private static FileChannel homeLock;

    public static void main(String[] args) throws Throwable {
        Main main = new Main();
        CommandLine commandLine = new CommandLine(main);
        int exit = commandLine.execute(args);
        if (exit != 0 || commandLine.isUsageHelpRequested() || commandLine.isVersionHelpRequested()) {
            System.exit(exit);
        }
        // SIGTERM and Ctrl-C: System.exit runs the shutdown hook that stops the framework cleanly, and the
        // status says so (the JVM's own handling would exit 143 or 130 after the same clean stop)
        for (String signal : List.of("TERM", "INT")) {
            Signal.handle(new Signal(signal), received -> System.exit(EXIT_CLEAN));
        }
        // bnd's launcher (in this jar) starts the framework with the bundles embedded next to it
        Class.forName("aQute.launcher.pre.EmbeddedLauncher").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
    }

    /**
     * Takes the home's exclusive lock, before anything else is done in it.
     *
     * @return null if taken, else why not and the exit code
     */
    private static Refusal lockHome(Path root) {
        Path lockFile = root.resolve(LOCK_FILE);
        FileChannel channel;
        try {
            Files.createDirectories(root);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException | SecurityException e) {
            return unusable(root, e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String holder = readHolder(lockFile);
                channel.close();
                return new Refusal(EXIT_HOME_IN_USE, "Streamline home " + root + " is in use by another launcher" + holder
                        + " (it holds " + lockFile + "). Stop that one first, or start this one with another --home.");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
            channel.force(true);
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
            return unusable(root, e);
        }
        homeLock = channel;
        return null;
    }

    private static String readHolder(Path lockFile) {
        try {
            String pid = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
            return pid.isEmpty() ? "" : " (process " + pid + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private static Refusal unusable(Path root, Exception e) {
        return new Refusal(EXIT_HOME_UNUSABLE, "Streamline home " + root + " cannot be used: " + e
                + ". The home must be a folder this user can create and write (deploy/, flows/, data/, logs/ go there).");
    }

    /** Why the launcher does not start, and its exit code. */
    private record Refusal(int exit, String message) {
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
    public Integer call() {
        if (home != null && positionalHome != null) {
            System.err.println("Give the home either as --home DIR or as DIR, not both (given: --home " + home + " and " + positionalHome + ").");
            return EXIT_USAGE;
        }
        Path chosen = home != null ? home : positionalHome != null ? positionalHome : Path.of(DEFAULT_HOME);
        Path root = chosen.toAbsolutePath().normalize();
        Refusal refusal = lockHome(root);
        if (refusal == null) {
            try {
                layOut(root);
            } catch (IOException | RuntimeException e) {
                refusal = unusable(root, e);
            }
        }
        if (refusal != null) {
            System.err.println(refusal.message());
            return refusal.exit();
        }
        System.out.println("Streamline home: " + root);
        return EXIT_CLEAN;
    }

    private void layOut(Path root) throws IOException {
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
        // FileInstall's temporary folder in the home: by default it makes a new fileinstall-<random> folder in the system's
        // temporary folder at every start and leaves it there
        setIfAbsent("felix.fileinstall.tmpdir", root.resolve("data").resolve("fileinstall").toString());
        setIfAbsent("log4j2.configurationFile", root.resolve("log4j2.xml").toString());
        setIfAbsent("streamline.logs", root.resolve("logs").toString());
        // SIGTERM and Ctrl-C stop the framework cleanly; Log4j then stops with its bundle, not before it
        setIfAbsent("streamline.stop.framework.on.exit", "true");
        setIfAbsent("log4j2.shutdownHookEnabled", "false");
        // SCR's and the framework's own log (the OSGi Log Service) goes to logs/streamline.log too
        setIfAbsent("streamline.log.osgi.to.log4j", "true");
        if (System.console() == null) {
            // no terminal (a service, a test, a pipe closed): run the shell without reading commands
            setIfAbsent("gosh.args", "--nointeractive");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
