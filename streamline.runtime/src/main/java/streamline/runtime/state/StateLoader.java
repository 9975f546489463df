package streamline.runtime.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a scope's state from its files as {@link FileStateManager} left them: the snapshot (of this format or the
 * plain map before journals), then the journal's lines of the snapshot's generation, a torn last line cut off.
 */
final class StateLoader {

    /** How every journal line starts. */
    private static final String LINE_START = "{\"g\":";

    private final ObjectMapper json;

    StateLoader(ObjectMapper json) {
        this.json = json;
    }

    /** A file's bytes, or null if there is no such file (nothing was saved yet). */
    private static byte[] readIfPresent(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    void readSnapshot(FileStateManager.Scope s) throws IOException {
        byte[] bytes = readIfPresent(s.snapshot);
        if (bytes == null) {
            return;
        }
        s.snapshotBytes = bytes.length;
        JsonNode root = json.readTree(bytes);
        // a snapshot of this format has a numeric generation; a plain map of strings is the format before journals
        boolean journaled = root.size() == 2 && root.path("generation").isIntegralNumber() && root.path("state").isObject();
        s.generation = journaled ? root.get("generation").asLong() : 0;
        putAll(s.current, journaled ? root.get("state") : root);
    }

    /**
     * Applies the journal's lines of the snapshot's generation; cuts off a torn last line (one without its newline).
     * A broken line before others (a write that failed half-way, left by a crash before it was cut off) is skipped,
     * not taken for the end: the updates after it were acknowledged. If a line was written right after such a
     * fragment, it is found by its start ({@code {"g":} is only ever a line's start: a string value's quotes are
     * escaped).
     */
    void replayJournal(FileStateManager.Scope s) throws IOException {
        byte[] bytes = readIfPresent(s.journal);
        if (bytes == null) {
            return;
        }
        int good = 0;
        for (int end; (end = indexOf(bytes, (byte) '\n', good)) >= 0; good = end + 1) {
            JsonNode line = parseLine(new String(bytes, good, end - good, StandardCharsets.UTF_8));
            if (line != null && line.path("g").asLong(-1) == s.generation) {
                line.path("remove").forEach(key -> s.current.remove(key.asText()));
                putAll(s.current, line.path("put"));
            }
        }
        if (good < bytes.length) {
            try (FileChannel channel = FileChannel.open(s.journal, StandardOpenOption.WRITE)) {
                channel.truncate(good);
                channel.force(false);
            }
        }
        s.journalBytes = good;
    }

    /** A journal line, or the whole line written after a fragment within it; null if there is none. */
    private JsonNode parseLine(String text) {
        for (int start = 0; start >= 0; start = text.indexOf(LINE_START, start + 1)) {
            try {
                JsonNode line = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(text.substring(start));
                if (line != null && line.isObject()) {
                    return line;
                }
            } catch (IOException e) {
                // a fragment: try from the next line start within it
            }
        }
        return null;
    }

    private static void putAll(Map<String, String> into, JsonNode object) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            into.put(field.getKey(), field.getValue().asText());
        }
    }

    private static int indexOf(byte[] bytes, byte value, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
