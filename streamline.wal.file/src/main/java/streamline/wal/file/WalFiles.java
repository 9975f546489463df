package streamline.wal.file;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Names and headers of the log's files.
 *
 * <p>A directory holds {@code segment-<n>.wal} files (appended records), at most one
 * {@code snapshot-<n>.wal} (the live records of every segment up to and including {@code n}),
 * {@code wal.lock}, and {@code quarantine/}. Every file starts with a header:
 *
 * <pre>
 * magic:4 ("SLWS" segment, "SLWC" snapshot) version:4 number:8 lastSequence:8 crc32c:4  (28 bytes)
 * </pre>
 *
 * followed by records:
 *
 * <pre>
 * length:4 crc32c:4 sequence:8 payload:length     crc32c covers length, sequence and payload
 * </pre>
 */
final class WalFiles {

    private static final Logger LOG = LogManager.getLogger(WalFiles.class);

    static final int FORMAT_VERSION = 1;
    static final int FILE_HEADER_SIZE = 28;
    static final int RECORD_HEADER_SIZE = 16;
    /** The most an entry may take, far above any real one: appends refuse more, so a larger length read back is corruption. */
    static final int MAX_PAYLOAD = 64 * 1024 * 1024;

    static final int SEGMENT_MAGIC = 0x534C5753; // "SLWS"
    static final int SNAPSHOT_MAGIC = 0x534C5743; // "SLWC"

    private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{12})\\.wal");
    private static final Pattern SNAPSHOT = Pattern.compile("snapshot-(\\d{12})\\.wal");

    private WalFiles() {
    }

    static String segmentName(long number) {
        return String.format("segment-%012d.wal", number);
    }

    static String snapshotName(long number) {
        return String.format("snapshot-%012d.wal", number);
    }

    /** The segment number of a file name, or -1 if it is not a segment. */
    static long segmentNumber(String fileName) {
        Matcher m = SEGMENT.matcher(fileName);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The boundary segment of a snapshot file name, or -1 if it is not a snapshot. */
    static long snapshotNumber(String fileName) {
        Matcher m = SNAPSHOT.matcher(fileName);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    static ByteBuffer header(int magic, long number, long lastSequence) {
        ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_SIZE);
        header.putInt(magic).putInt(FORMAT_VERSION).putLong(number).putLong(lastSequence);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, FILE_HEADER_SIZE - 4);
        header.putInt((int) crc.getValue());
        return header.flip();
    }

    /** A well-formed file written by another format version: never quarantine it, refuse to start instead. */
    static final class UnsupportedVersionException extends IOException {
        private static final long serialVersionUID = 1L;

        UnsupportedVersionException(String message) {
            super(message);
        }
    }

    /** A file header as read back. */
    record Header(int magic, int version, long number, long lastSequence) {
    }

    /**
     * Reads and checks a file's header.
     *
     * @return the header, or {@code null} if the file is shorter than a header (a creation the
     *         process did not finish)
     * @throws IOException with the reason if the header is corrupt or of another format version
     */
    static Header readHeader(FileChannel channel, Path file, int expectedMagic) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_SIZE);
        while (header.hasRemaining()) {
            if (channel.read(header, header.position()) < 0) {
                return null;
            }
        }
        header.flip();
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, FILE_HEADER_SIZE - 4);
        int magic = header.getInt(0);
        if ((int) crc.getValue() != header.getInt(FILE_HEADER_SIZE - 4) || magic != expectedMagic) {
            throw new IOException(file + ": not a write-ahead log file of this kind (bad header)");
        }
        int version = header.getInt(4);
        if (version != FORMAT_VERSION) {
            throw new UnsupportedVersionException(file + " has format version " + version + "; this release reads version "
                    + FORMAT_VERSION + " only: use the release that wrote it");
        }
        return new Header(magic, version, header.getLong(8), header.getLong(16));
    }

    /** Forces a directory, so that files created, renamed or deleted in it survive a crash. */
    static void forceDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for reading; those order metadata themselves
            if (Files.isDirectory(directory) && e.getMessage() != null && e.getMessage().contains("Is a directory")) {
                return;
            }
            throw e;
        }
    }

    /** Closes what a failure or a close leaves behind; a failure to close changes nothing for the log. */
    static void closeQuietly(Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.debug("closing {}", closeable, e);
        }
    }

    /** Deletes a file the log can do without (a temporary or spare one); recovery deletes it later if this fails. */
    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("deleting {}", file, e);
        }
    }
}
