package streamline.processors.standard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import streamline.config.support.ConfigList;

/**
 * The folders the file processors ({@code ReadDir}, {@code ReadFile}, {@code WriteFile}) may use: the
 * operator's roots (PID {@code streamline.processors.files}, key {@code roots}), and never the home's
 * {@code deploy/}, {@code flows/}, {@code data/} or {@code logs/}, whatever the roots say (writing
 * into {@code deploy/} installs code; {@code data/} holds the log and other sessions' content). A path is
 * checked as it really is, links resolved, at every use: a path a flow composes from metadata, or
 * that a link leads out of a root, is refused with the path and the roots.
 */
final class FileRoots {

    static final List<String> DEFAULT_ROOTS = List.of("inbox", "outbox", "files");
    static final List<String> NEVER = List.of("deploy", "flows", "data", "logs");

    private final Path home;
    private final List<Path> roots = new ArrayList<>();
    private final List<Path> forbidden = new ArrayList<>();

    /** @param configured root folders, relative to {@code home} or absolute; an entry may list several, comma-separated */
    FileRoots(Path home, List<String> configured) {
        this.home = home;
        for (String root : ConfigList.split(configured.toArray(String[]::new))) {
            roots.add(real(Paths.resolve(home, root)));
        }
        NEVER.forEach(name -> forbidden.add(real(home.resolve(name))));
    }

    static FileRoots defaults(Path home) {
        return new FileRoots(home, DEFAULT_ROOTS);
    }

    /** A file or folder to read: it must exist, and really (links resolved) be inside a root. */
    Path forReading(String configured) throws IOException {
        Path path = Paths.resolve(home, configured);
        requireRootPresent(path);
        check(path, path.toRealPath());
        return path;
    }

    /** A file to write, or a folder to create: where it would really be (its nearest existing folder resolved) must be inside a root. */
    Path forWriting(String configured) throws IOException {
        Path path = Paths.resolve(home, configured);
        requireRootPresent(path);
        check(path, real(path));
        return path;
    }

    private void check(Path path, Path real) throws IOException {
        for (Path never : forbidden) {
            if (real.startsWith(never)) {
                throw new IOException("file processors may not use " + path + (real.equals(path) ? "" : " (really " + real + ")")
                        + ": it is inside " + never + ", which they never may");
            }
        }
        for (Path root : roots) {
            if (real.startsWith(root)) {
                return;
            }
        }
        throw new IOException("file processors may not use " + path + (real.equals(path) ? "" : " (really " + real + ")")
                + ": it is outside the folders they may use, " + roots + " (PID streamline.processors.files, key roots)");
    }

    /**
     * A root outside the home that does not exist is a mount that is not there: nothing is read from or made on the
     * disk beneath it. (Roots inside the home are the product's own folders, made when first written.)
     */
    private void requireRootPresent(Path path) throws FilesNotReady.RootMissingException {
        Path absolute = path.toAbsolutePath().normalize();
        Path homeFolder = real(home);
        for (Path root : roots) {
            if (absolute.startsWith(root) && !root.startsWith(homeFolder) && !Files.isDirectory(root)) {
                throw new FilesNotReady.RootMissingException(root);
            }
        }
    }

    /** The path with its nearest existing ancestor's links resolved (the rest does not exist yet, so holds no link). */
    private static Path real(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute));
        } catch (IOException e) {
            return absolute;
        }
    }
}
