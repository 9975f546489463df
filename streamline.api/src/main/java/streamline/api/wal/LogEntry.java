package streamline.api.wal;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import streamline.api.flow.Values;

/**
 * One record of the write-ahead log.
 *
 * <p>A step is one processor run in one session; a processor runs at most once per session, so
 * {@code (sessionId, processorId)} names a step. The engine writes:
 * <ul>
 * <li>{@link Kind#STEP_STARTED} before a step runs (again for each retry, with the new attempt, and once
 * when a step begins to wait for the world, with the same attempt):
 * its input content and metadata, and the steps of the session completed so far;</li>
 * <li>{@link Kind#STEP_COMPLETED} after it ran: its output content and metadata;</li>
 * <li>{@link Kind#SESSION_FINISHED} when the session ended, with the error if it failed.</li>
 * </ul>
 * A step is <em>unfinished</em> when its latest {@code STEP_STARTED} has no later
 * {@code STEP_COMPLETED} and its session has no later {@code SESSION_FINISHED}.
 *
 * @param sequence the position in the log, assigned by {@link WriteAheadLog#append}; 0 before that
 * @param kind what the entry records
 * @param sessionId the session
 * @param flowId the flow the session runs
 * @param processorId the step's processor; {@code null} for {@link Kind#SESSION_FINISHED}
 * @param processorName the step's processor name, for people reading the log; empty for {@code SESSION_FINISHED}
 * @param contentId the step's input content ({@code STEP_STARTED}) or output content
 *        ({@code STEP_COMPLETED}); empty when there is none
 * @param metadata the step's input or output metadata, deeply immutable
 * @param triggerMark the mark of the trigger that started the session
 * @param attempt 0 for the first run of a step, then 1, 2, … for retries
 * @param completedSteps the processors of the session completed before this step started
 * @param error why the session failed ({@code SESSION_FINISHED}); on a {@code STEP_STARTED} the engine logs again
 *        for a step that waits for the world (same input, same attempt), since when and why it waits, so that its
 *        wait limit survives a restart; empty otherwise. A log stores it as it stores any text.
 */
public record LogEntry(long sequence, Kind kind, UUID sessionId, UUID flowId, UUID processorId,
        String processorName, String contentId, Map<String, Object> metadata, String triggerMark,
        int attempt, List<UUID> completedSteps, String error) {

    /** What an entry records. */
    public enum Kind {
        STEP_STARTED, STEP_COMPLETED, SESSION_FINISHED
    }

    public LogEntry {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(flowId, "flowId");
        if (kind != Kind.SESSION_FINISHED && processorId == null) {
            throw new NullPointerException("processorId of a " + kind + " entry");
        }
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must be >= 0, was " + attempt);
        }
        processorName = Objects.requireNonNullElse(processorName, "");
        contentId = Objects.requireNonNullElse(contentId, "");
        triggerMark = Objects.requireNonNullElse(triggerMark, "");
        error = Objects.requireNonNullElse(error, "");
        // every entry the log reads back comes here with a map already immutable: no description built for it
        metadata = metadata == null ? Map.of() : Values.immutableMap(metadata, () -> "metadata of session " + sessionId);
        completedSteps = completedSteps == null ? List.of() : List.copyOf(completedSteps);
    }

    /** The entry written before a step runs. */
    public static LogEntry stepStarted(UUID sessionId, UUID flowId, UUID processorId, String processorName,
            String inputContentId, Map<String, ?> inputMetadata, String triggerMark, int attempt,
            List<UUID> completedSteps) {
        return new LogEntry(0, Kind.STEP_STARTED, sessionId, flowId, processorId, processorName,
                inputContentId, copy(inputMetadata, sessionId), triggerMark, attempt, completedSteps, "");
    }

    /** The entry written after a step ran. */
    public static LogEntry stepCompleted(UUID sessionId, UUID flowId, UUID processorId, String processorName,
            String outputContentId, Map<String, ?> outputMetadata, String triggerMark, int attempt) {
        return new LogEntry(0, Kind.STEP_COMPLETED, sessionId, flowId, processorId, processorName,
                outputContentId, copy(outputMetadata, sessionId), triggerMark, attempt, List.of(), "");
    }

    /** The entry written when a session ended; an empty or null {@code error} means it succeeded. */
    public static LogEntry sessionFinished(UUID sessionId, UUID flowId, String triggerMark, String error) {
        return new LogEntry(0, Kind.SESSION_FINISHED, sessionId, flowId, null, "", "", Map.of(),
                triggerMark, 0, List.of(), error);
    }

    private static Map<String, Object> copy(Map<String, ?> metadata, UUID sessionId) {
        return metadata == null ? Map.of() : Values.immutableMap(metadata, "metadata of session " + sessionId);
    }

    /** This entry with a sequence number. */
    public LogEntry withSequence(long newSequence) {
        return new LogEntry(newSequence, kind, sessionId, flowId, processorId, processorName, contentId,
                metadata, triggerMark, attempt, completedSteps, error);
    }

    /** Whether this entry records a session that failed. */
    public boolean failed() {
        return kind == Kind.SESSION_FINISHED && !error.isEmpty();
    }
}
