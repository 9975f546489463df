package streamline.processors.standard;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where {@code ReadDir} with {@code afterSuccess=move} puts a processed file: the same place under the done folder as
 * under the input, never replacing a file there (a taken name gets {@code -1}, {@code -2}, … before its extension:
 * {@code export.csv}, then {@code export-1.csv}), and on another file system by a copy that is forced before the
 * original is removed. The file is linked under its new name (which fails if the name exists), the done folder is
 * forced (and the folders above it that got a new subfolder for it), and only then is the original removed: a crash
 * in between leaves it under both names, and the move repeated
 * after the restart sees that (the same file, or on another file system a copy of the same size, time and content)
 * and only removes the original.
 */
final class DoneFolder {

    private static final int MOST_SUFFIXES = 10_000;
    /** How much a copied modification time may differ: file systems keep it to the micro second, FAT to 2 seconds. */
    private static final long TIME_GRAIN_MILLIS = 2_000;

    private final Path input;
    private final Path done;
    private final SharedFolderForce forces;

    DoneFolder(Path input, Path done, SharedFolderForce forces) {
        this.input = input;
        this.done = done;
        this.forces = forces;
    }

    /**
     * Moves {@code file} (under the input) to the done folder and forces the done folder; the caller forces the
     * file's own folder.
     *
     * @return where the file now is
     * @throws NoSuchFileException if the file is not there (moved already)
     */
    Path move(Path file) throws IOException {
        Path target = done.resolve(input.relativize(file));
        Path folder = target.getParent();
        List<Path> grown = new ArrayList<>(); // the folders that get a new subfolder: forced too before the original goes
        for (Path missing = folder; missing.startsWith(done) && !missing.equals(done) && !Files.isDirectory(missing,
                LinkOption.NOFOLLOW_LINKS); missing = missing.getParent()) {
            grown.add(missing.getParent());
        }
        Files.createDirectories(folder);
        BasicFileAttributes original = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Path copy = null;
        try {
            for (int n = 0; n <= MOST_SUFFIXES; n++) {
                Path candidate = n == 0 ? target : withSuffix(target, n);
                if (copy == null && isFile(candidate, file, original)) {
                    finish(folder, grown, file, null); // linked or copied before a crash, the original not yet removed
                    return candidate;
                }
                try {
                    if (copy == null && NoReplace.link(file, candidate)) {
                        finish(folder, grown, file, null);
                        return candidate;
                    }
                    if (copy == null) {
                        copy = copyInto(folder, file); // another file system
                    }
                    if (!NoReplace.link(copy, candidate)) {
                        Files.move(copy, candidate); // a done folder without hard links: checked, then renamed
                    }
                    finish(folder, grown, file, copy);
                    return candidate;
                } catch (FileAlreadyExistsException taken) {
                    // a file of that name is there already: the next suffix
                }
            }
        } finally {
            if (copy != null) {
                Files.deleteIfExists(copy);
            }
        }
        throw new IOException("cannot move " + FileNames.readable(file) + " to " + FileNames.readable(folder) + ": "
                + FileNames.readableName(target) + " and its " + MOST_SUFFIXES + " suffixed names are all taken");
    }

    private void finish(Path folder, List<Path> grown, Path file, Path copy) throws IOException {
        if (copy != null) {
            Files.deleteIfExists(copy);
        }
        forces.force(folder); // the new name is on disk before the only other one goes
        for (Path parent : grown) {
            forces.force(parent); // and so are the folders it is in
        }
        Files.deleteIfExists(file);
    }

    /**
     * Whether {@code candidate} is {@code file} under its new name: the same file (linked before a crash), or its copy
     * on another file system (named before a crash): a regular file of the same size, modification time (the copy
     * keeps it, to the file system's grain) and content. A file already there with that very content loses nothing when the original goes.
     */
    private static boolean isFile(Path candidate, Path file, BasicFileAttributes original) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(candidate, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                return false;
            }
            if (original.fileKey() != null && Objects.equals(attributes.fileKey(), original.fileKey())) {
                return true;
            }
            return attributes.size() == original.size() && Math.abs(attributes.lastModifiedTime().toMillis()
                    - original.lastModifiedTime().toMillis()) < TIME_GRAIN_MILLIS && Files.mismatch(candidate, file) == -1;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** A forced copy of {@code file} in {@code folder}, under a temporary name that a repeated move reuses. */
    private static Path copyInto(Path folder, Path file) throws IOException {
        Path copy = folder.resolve(NoReplace.temporaryName("move/" + FileNames.mark(file)));
        Files.deleteIfExists(copy);
        Files.copy(file, copy, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            channel.force(true);
        }
        return copy;
    }

    /** {@code name-n.ext} for {@code name.ext}, {@code name-n} for a name without extension (or a dot file's). */
    static Path withSuffix(Path target, int n) {
        byte[] bytes = FileNames.bytes(target);
        int slash = lastIndexOf(bytes, (byte) '/', bytes.length);
        int dot = lastIndexOf(bytes, (byte) '.', bytes.length);
        int at = dot > slash + 1 ? dot : bytes.length;
        byte[] suffix = ("-" + n).getBytes(StandardCharsets.US_ASCII);
        byte[] suffixed = new byte[bytes.length + suffix.length];
        System.arraycopy(bytes, 0, suffixed, 0, at);
        System.arraycopy(suffix, 0, suffixed, at, suffix.length);
        System.arraycopy(bytes, at, suffixed, at + suffix.length, bytes.length - at);
        return FileNames.ofBytes(suffixed);
    }

    private static int lastIndexOf(byte[] bytes, byte b, int before) {
        for (int i = before - 1; i >= 0; i--) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
