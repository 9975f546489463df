package streamline.runtime.engine;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * Carries unfinished sessions from one write-ahead log into another: the one way the engine moves
 * sessions, whether it swaps logs while running, gets a log back after one went away, or starts on
 * another log than it last used. The order makes every crash safe: the entries are appended to the
 * new log first (sessions it already holds are not copied again, so a carry-over interrupted by a
 * crash and repeated copies nothing twice), then the old log is told the sessions were handed over
 * (a {@code SESSION_FINISHED} each), so it no longer counts them unfinished.
 */
final class LogHandover {

    private static final Logger LOG = LogManager.getLogger(LogHandover.class);

    /**
     * What a carry-over did.
     *
     * @param carried the entries copied into the new log (those of sessions it did not hold yet)
     * @param sessions how many sessions the entries belong to
     * @param alreadyThere the new log's unfinished entries from before the carry-over
     */
    record Result(List<LogEntry> carried, int sessions, List<LogEntry> alreadyThere) {
    }

    private LogHandover() {
    }

    /** Copies {@code live} (the old log's unfinished entries) into {@code next}, skipping sessions it already holds. */
    static Result carry(List<LogEntry> live, WriteAheadLog next) throws WriteAheadLogException {
        List<LogEntry> alreadyThere = next.liveEntries();
        Set<UUID> held = new HashSet<>();
        alreadyThere.forEach(entry -> held.add(entry.sessionId()));
        List<LogEntry> carried = live.stream().filter(entry -> !held.contains(entry.sessionId())).toList();
        if (!carried.isEmpty()) {
            next.appendAll(carried);
        }
        return new Result(carried, sessionsOf(carried).size(), alreadyThere);
    }

    /**
     * Marks the sessions of {@code live} handed over in the log they came from. A failure is only
     * logged: the sessions are safe in the new log, and recovering them again from the old one is
     * prevented by the new log holding them (see {@link #carry}).
     */
    static void markHandedOver(WriteAheadLog previous, List<LogEntry> live) {
        Map<UUID, LogEntry> firstOfSession = sessionsOf(live);
        if (firstOfSession.isEmpty()) {
            return;
        }
        List<LogEntry> handovers = firstOfSession.values().stream()
                .map(entry -> LogEntry.sessionFinished(entry.sessionId(), entry.flowId(), entry.triggerMark(), ""))
                .toList();
        try {
            previous.appendAll(handovers);
        } catch (WriteAheadLogException | RuntimeException e) {
            LOG.warn("could not mark {} carried-over sessions as handed over in the previous write-ahead log: {}",
                    handovers.size(), e.getMessage());
        }
    }

    private static Map<UUID, LogEntry> sessionsOf(List<LogEntry> entries) {
        Map<UUID, LogEntry> firstOfSession = new LinkedHashMap<>();
        entries.forEach(entry -> firstOfSession.putIfAbsent(entry.sessionId(), entry));
        return firstOfSession;
    }
}
