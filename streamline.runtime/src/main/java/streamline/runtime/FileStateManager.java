package streamline.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.state.StateException;
import streamline.api.state.StateManager;
import streamline.api.state.StateScope;

/**
 * A processor's state in a JSON file per scope under the engine's state folder, replaced
 * atomically (temporary file, force, rename, force the folder), so a crash leaves the old state or
 * the new one, never a torn file. A node without a cluster keeps {@link StateScope#CLUSTER} state
 * locally too, in a file of its own.
 */
final class FileStateManager implements StateManager {

    private static final TypeReference<TreeMap<String, String>> STATE_TYPE = new TypeReference<>() {
    };

    private final Path directory;
    private final String owner;
    private final ObjectMapper json;

    FileStateManager(Path directory, String owner, ObjectMapper json) {
        this.directory = directory;
        this.owner = owner;
        this.json = json;
    }

    private Path file(StateScope scope) {
        return directory.resolve(owner + "." + scope.name().toLowerCase(Locale.ROOT) + ".json");
    }

    @Override
    public synchronized Map<String, String> get(StateScope scope) throws StateException {
        Path file = file(scope);
        try {
            return Map.copyOf(json.readValue(Files.readAllBytes(file), STATE_TYPE));
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new StateException("cannot read the state of " + owner + " from " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void set(StateScope scope, Map<String, String> state) throws StateException {
        Path file = file(scope);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(json.writeValueAsBytes(new TreeMap<>(state))));
                channel.force(false);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            ContentStore.forceDirectory(directory);
        } catch (IOException e) {
            throw new StateException("cannot write the state of " + owner + " to " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized boolean replace(StateScope scope, Map<String, String> expected, Map<String, String> updated)
            throws StateException {
        if (!Objects.equals(get(scope), Map.copyOf(expected))) {
            return false;
        }
        set(scope, updated);
        return true;
    }
}
