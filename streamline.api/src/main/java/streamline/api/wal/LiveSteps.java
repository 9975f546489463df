package streamline.api.wal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The definitions of {@link WriteAheadLog#liveEntries()} and {@link WriteAheadLog#unfinishedSteps()}
 * as functions of a log's entries, so that every implementation (and every test) computes them
 * alike.
 */
public final class LiveSteps {

    private LiveSteps() {
    }

    /** The entries of the sessions that have no {@code SESSION_FINISHED} entry, in sequence order. */
    public static List<LogEntry> liveEntries(List<LogEntry> entries) {
        Set<UUID> finished = new HashSet<>();
        for (LogEntry e : entries) {
            if (e.kind() == LogEntry.Kind.SESSION_FINISHED) {
                finished.add(e.sessionId());
            }
        }
        List<LogEntry> live = new ArrayList<>();
        for (LogEntry e : entries) {
            if (!finished.contains(e.sessionId())) {
                live.add(e);
            }
        }
        live.sort(Comparator.comparingLong(LogEntry::sequence));
        return live;
    }

    /**
     * The latest {@code STEP_STARTED} entry of every step with no later {@code STEP_COMPLETED}, in
     * sessions with no {@code SESSION_FINISHED}, in sequence order.
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
