package streamline.api.wal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The definitions of {@link WriteAheadLog#liveEntries()} and {@link WriteAheadLog#unfinishedSteps()}
 * as functions of a log's entries, so that every implementation (and every test) computes them
 * alike.
 */
public final class LiveSteps {

    private LiveSteps() {
    }

    /**
     * The entries of the sessions that have no {@code SESSION_FINISHED} entry after them, in sequence
     * order: an entry is live unless an end of its session comes after it. A session started again
     * after its end (handed back into a log it left) is live, with the entries written since its last end.
     */
    public static List<LogEntry> liveEntries(List<LogEntry> entries) {
        Map<UUID, Long> lastEnd = new HashMap<>();
        for (LogEntry e : entries) {
            if (e.kind() == LogEntry.Kind.SESSION_FINISHED) {
                lastEnd.merge(e.sessionId(), e.sequence(), Math::max);
            }
        }
        List<LogEntry> live = new ArrayList<>();
        for (LogEntry e : entries) {
            Long end = lastEnd.get(e.sessionId());
            if (end == null || (e.kind() != LogEntry.Kind.SESSION_FINISHED && e.sequence() > end)) {
                live.add(e);
            }
        }
        live.sort(Comparator.comparingLong(LogEntry::sequence));
        return live;
    }

    /**
     * The latest {@code STEP_STARTED} entry of every step with no later {@code STEP_COMPLETED} among the
     * {@linkplain #liveEntries live entries}, in sequence order.
     */
    public static List<LogEntry> unfinishedSteps(List<LogEntry> entries) {
        Map<UUID, Map<UUID, LogEntry>> started = new LinkedHashMap<>();
        for (LogEntry e : liveEntries(entries)) {
            Map<UUID, LogEntry> steps = started.computeIfAbsent(e.sessionId(), s -> new HashMap<>());
            if (e.kind() == LogEntry.Kind.STEP_STARTED) {
                steps.put(e.processorId(), e);
            } else if (e.kind() == LogEntry.Kind.STEP_COMPLETED) {
                steps.remove(e.processorId());
            }
        }
        List<LogEntry> unfinished = new ArrayList<>();
        started.values().forEach(steps -> unfinished.addAll(steps.values()));
        unfinished.sort(Comparator.comparingLong(LogEntry::sequence));
        return unfinished;
    }
}
