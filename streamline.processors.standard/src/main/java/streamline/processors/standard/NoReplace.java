package streamline.processors.standard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Giving a file a name without ever replacing what is there: a hard link fails when the name exists, in one step,
 * where an existence check followed by a rename lets a second writer in between. And the short names of the
 * temporary files the file processors write next to their targets.
 */
final class NoReplace {

    /** How the file processors' temporary files end; {@code ReadDir} never emits them. */
    static final String TEMPORARY_SUFFIX = ".streamline-tmp";

    private NoReplace() {
    }

    /**
     * Links {@code source}'s file under {@code target}; the caller removes {@code source} after.
     *
     * @return false if the file system cannot link them (another file system, or one without hard links)
     * @throws FileAlreadyExistsException if {@code target} exists (a link, too): nothing was replaced
     */
    static boolean link(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
            return true;
        } catch (FileAlreadyExistsException | NoSuchFileException | AccessDeniedException e) {
            throw e;
        } catch (UnsupportedOperationException e) {
            return false;
        } catch (FileSystemException e) {
            return false; // EXDEV across file systems, EPERM where links are not allowed
        }
    }

    /**
     * A temporary name of fixed, short length (32 bytes) for what {@code seed} identifies: the same seed always gives
     * the same name, so a step repeated after a crash finds what the crash left, and a long target name never makes
     * it too long.
     */
    static String temporaryName(String seed) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
            return "." + HexFormat.of().formatHex(hash, 0, 8) + TEMPORARY_SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Whether a file name is one the file processors give their temporary files (this one's or an earlier version's). */
    static boolean isTemporary(String name) {
        return name.startsWith(".") && name.endsWith(TEMPORARY_SUFFIX);
    }
}
