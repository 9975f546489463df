package streamline.runtime.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Which write-ahead log and flow store the engine last used, by name, kept in its work directory
 * ({@code in-use.json}), so that an engine started on others (a target changed while it was down,
 * or during its start) first carries over what the previous ones hold. Written atomically and
 * forced: after a crash it names either the old or the new choice, never half of one.
 */
final class InUseRecord {

    static final String FILE = "in-use.json";

    /** What the file holds; an empty name: nothing recorded. */
    record InUse(String wal, String flowStore) {
        static final InUse NONE = new InUse("", "");

        InUse withWal(String name) {
            return new InUse(name, flowStore);
        }

        InUse withFlowStore(String name) {
            return new InUse(wal, name);
        }
    }

    private final Path file;
    private final ObjectMapper json;

    InUseRecord(Path workDirectory, ObjectMapper json) {
        this.file = workDirectory.resolve(FILE);
        this.json = json;
    }

    Path file() {
        return file;
    }

    /**
     * @throws IOException if the file exists but cannot be read or is not what this class writes: the
     *         engine must not guess where its sessions are
     */
    InUse read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return InUse.NONE;
        }
        try {
            InUse read = json.readValue(bytes, InUse.class);
            return new InUse(read.wal() == null ? "" : read.wal(), read.flowStore() == null ? "" : read.flowStore());
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is damaged (" + e.getOriginalMessage() + "); it names the write-ahead log and flow store"
                    + " the engine last used: fix it, or remove it if that log and store are still the ones configured", e);
        }
    }

    synchronized void write(InUse inUse) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(FILE + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(json.writeValueAsBytes(inUse)));
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(file.getParent());
    }

    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for forcing; the rename itself is still atomic
        }
    }
}
