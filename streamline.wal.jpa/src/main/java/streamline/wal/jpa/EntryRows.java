package streamline.wal.jpa;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;

import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;

/**
 * Log entries as rows and back. An entry is made into its row when it is appended, on the appender's
 * thread and before it is queued: an entry whose row cannot be made, or could not be read back
 * ({@link TypedJson}'s limits), is refused there and then, alone, and nothing of it is written.
 */
final class EntryRows {

    private EntryRows() {
    }

    /**
     * The rows of an append's entries, without sequences yet.
     *
     * @throws EntryRejectedException if an entry cannot be stored whole (see {@link TypedJson#MAX_TEXT} and
     *         {@link TypedJson#MAX_DEPTH}), naming the entry and why
     */
    static WalEntryEntity[] toRows(List<LogEntry> entries) throws EntryRejectedException {
        WalEntryEntity[] rows = new WalEntryEntity[entries.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = toRow(entries.get(i));
        }
        return rows;
    }

    private static WalEntryEntity toRow(LogEntry entry) throws EntryRejectedException {
        WalEntryEntity e = new WalEntryEntity();
        e.kind = entry.kind().name();
        e.sessionId = entry.sessionId().toString();
        e.flowId = entry.flowId().toString();
        e.processorId = entry.processorId() == null ? null : entry.processorId().toString();
        Map<String, Object> overflow = new LinkedHashMap<>();
        e.processorName = fitted("processorName", entry.processorName(), WalEntryEntity.PROCESSOR_NAME_LENGTH, overflow);
        e.contentId = fitted("contentId", entry.contentId(), WalEntryEntity.CONTENT_ID_LENGTH, overflow);
        e.triggerMark = fitted("triggerMark", entry.triggerMark(), WalEntryEntity.TRIGGER_MARK_LENGTH, overflow);
        e.attempt = entry.attempt();
        e.completedSteps = String.join(",", entry.completedSteps().stream().map(UUID::toString).toList());
        e.error = fitted("error", entry.error(), WalEntryEntity.ERROR_LENGTH, overflow);
        try {
            e.metadataJson = TypedJson.write(entry.metadata());
            e.overflowJson = overflow.isEmpty() ? null : TypedJson.write(overflow);
        } catch (JsonProcessingException | IllegalArgumentException ex) {
            throw refused(entry, ex instanceof JsonProcessingException json ? json.getOriginalMessage() : ex.getMessage());
        } catch (StackOverflowError ex) {
            // metadata nested deeper than the thread's stack: far past MAX_DEPTH, which the writer checks as it goes
            throw refused(entry, "its metadata is nested too deep to encode (at most " + TypedJson.MAX_DEPTH + " levels)");
        }
        long text = (long) e.metadataJson.length() + (e.overflowJson == null ? 0 : e.overflowJson.length());
        if (text > TypedJson.MAX_TEXT) {
            throw refused(entry, "its metadata and long texts take " + text + " characters as JSON, at most "
                    + TypedJson.MAX_TEXT + " (" + (TypedJson.MAX_TEXT >> 20) + " Mi) per entry");
        }
        return e;
    }

    private static EntryRejectedException refused(LogEntry entry, String why) {
        return new EntryRejectedException("the JPA write-ahead log refuses the " + entry.kind() + " entry of session "
                + entry.sessionId() + (entry.processorName().isEmpty() ? "" : ", step '" + cut(entry.processorName()) + "'")
                + ": " + why + "; nothing of this append was written");
    }

    private static String cut(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }

    /** {@code value} if it fits a column of {@code length}; otherwise "", and the value goes to {@code overflow}. */
    private static String fitted(String field, String value, int length, Map<String, Object> overflow) {
        // at most three UTF-8 bytes per char: only a long value needs its bytes counted
        if (value.length() * 3L <= length || value.getBytes(StandardCharsets.UTF_8).length <= length) {
            return value;
        }
        overflow.put(field, value);
        return "";
    }

    static LogEntry toEntry(WalEntryEntity e) {
        try {
            Map<String, Object> overflow = e.overflowJson == null ? Map.of() : TypedJson.read(e.overflowJson);
            return new LogEntry(e.sequence, LogEntry.Kind.valueOf(e.kind), UUID.fromString(e.sessionId),
                    UUID.fromString(e.flowId), e.processorId == null ? null : UUID.fromString(e.processorId),
                    (String) overflow.getOrDefault("processorName", e.processorName),
                    (String) overflow.getOrDefault("contentId", e.contentId), TypedJson.read(e.metadataJson),
                    (String) overflow.getOrDefault("triggerMark", e.triggerMark), e.attempt,
                    e.completedSteps.isEmpty() ? List.of() : Arrays.stream(e.completedSteps.split(",")).map(UUID::fromString).toList(),
                    (String) overflow.getOrDefault("error", e.error));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("entry " + e.sequence + " has metadata or overflow text that is not valid JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    /** Whether two rows hold the same entry (sequences aside). */
    static boolean sameEntry(WalEntryEntity a, WalEntryEntity b) {
        return a.kind.equals(b.kind) && a.sessionId.equals(b.sessionId) && a.flowId.equals(b.flowId)
                && Objects.equals(a.processorId, b.processorId) && a.processorName.equals(b.processorName)
                && a.contentId.equals(b.contentId) && a.metadataJson.equals(b.metadataJson) && a.triggerMark.equals(b.triggerMark)
                && a.attempt == b.attempt && a.completedSteps.equals(b.completedSteps) && a.error.equals(b.error)
                && Objects.equals(a.overflowJson, b.overflowJson);
    }
}
