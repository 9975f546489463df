package streamline.runtime.content;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.UUID;

/**
 * The content of sessions in progress, immutable once its id is handed out: a step's output is a file
 * named by its content id, a trigger item's content a claim on a range of its batch's container
 * ({@link ContentClaims}). A step never changes content; it writes new content (copy on write), so a
 * retried or recovered step reads intact input, and parallel branches share content as safely as if
 * each had a copy. Content is forced to disk (and a file renamed into place) before its id is handed
 * out, so a write-ahead log entry never names content that a crash could lose or tear.
 */
public final class ContentStore {

    private static final String TEMP_SUFFIX = ".tmp";

    private final Path directory;
    private final ContentClaims claims;

    public ContentStore(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.claims = new ContentClaims(this.directory);
    }

    public Path directory() {
        return directory;
    }

    /** The file holding a content id. */
    Path path(String contentId) {
        return fileIn(directory, contentId, "content id");
    }

    /**
     * The file of a name in the store's folder; refuses a name that could reach elsewhere or a hidden file (an id
     * from a damaged or forged entry).
     */
    static Path fileIn(Path directory, String name, String what) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("not a " + what + ": '" + name + "'");
        }
        return directory.resolve(name);
    }

    /**
     * Starts importing the content of a batch of trigger items into one container ({@link ContentClaims}). The ids
     * are valid once the batch is forced: no log entry names one before, and a container no entry names is swept
     * at the next start, so a crash in between loses nothing.
     */
    public ContentClaims.Batch importBatch() {
        return claims.batch();
    }

    /** Opens new content; its id is valid once the stream is closed. */
    public NewContent create() throws IOException {
        String id = UUID.randomUUID().toString();
        Path temp = directory.resolve(id + TEMP_SUFFIX);
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new NewContent(id, temp, channel);
    }

    public InputStream open(String contentId) throws IOException {
        ContentClaims.Claim claim = ContentClaims.parse(contentId);
        if (claim != null) {
            return claims.open(claim);
        }
        try {
            return Files.newInputStream(path(contentId));
        } catch (NoSuchFileException e) {
            throw new IOException("content " + contentId + " is missing from " + directory, e);
        }
    }

    public void delete(String contentId) {
        if (contentId.isEmpty()) {
            return;
        }
        try {
            ContentClaims.Claim claim = ContentClaims.parse(contentId);
            if (claim != null) {
                claims.release(claim);
            } else {
                Files.deleteIfExists(path(contentId));
            }
        } catch (IOException | IllegalArgumentException e) {
            // left for the next start's sweep
        }
    }

    /**
     * Deletes every file no live session refers to (content of finished sessions whose deletion a
     * crash interrupted, half-written temporary files, containers none of whose claims is live); the
     * live claims count from now on.
     *
     * @return how many files were deleted
     */
    public int sweep(Set<String> liveContentIds) throws IOException {
        Set<String> containers = claims.recovered(liveContentIds);
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!liveContentIds.contains(name) && !containers.contains(name) && Files.isRegularFile(file)) {
                    Files.deleteIfExists(file);
                    deleted++;
                }
            }
        }
        return deleted;
    }

    /** Copies a content file elsewhere (for a failed session's folder). */
    public void copyTo(String contentId, Path target) throws IOException {
        try (InputStream in = open(contentId)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** A content file being written: forced and renamed into place on close. */
    public final class NewContent extends FilterOutputStream {
        private final String id;
        private final Path temp;
        private final FileChannel channel;
        private boolean closed;
        private boolean stored;

        private NewContent(String id, Path temp, FileChannel channel) {
            super(Channels.newOutputStream(channel));
            this.id = id;
            this.temp = temp;
            this.channel = channel;
        }

        public String contentId() {
            return id;
        }

        /** Whether the content was closed and stored, so its id may be used. */
        public boolean isClosed() {
            return stored;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                channel.force(false);
                channel.close();
                Files.move(temp, path(id), StandardCopyOption.ATOMIC_MOVE);
                forceDirectory(directory);
                stored = true;
            } catch (IOException e) {
                Files.deleteIfExists(temp);
                throw new IOException("could not store content " + id + " in " + directory + ": " + e.getMessage(), e);
            }
        }

        /** Drops content that will not be used (a failed step's output). */
        public void discard() {
            try {
                channel.close();
                Files.deleteIfExists(temp);
                Files.deleteIfExists(path(id));
            } catch (IOException e) {
                // left for the next start's sweep
            }
        }
    }
}
