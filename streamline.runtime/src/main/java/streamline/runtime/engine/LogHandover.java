package streamline.runtime.engine;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

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

    /** Told which entries a carry-over is about to copy, before it writes any: may refuse by throwing. */
    interface BeforeCopy {
        BeforeCopy NOTHING = copied -> {
        };

        void copying(List<LogEntry> copied) throws WriteAheadLogException;
    }

    /** Copies {@code live} (the old log's unfinished entries) into {@code next}, skipping sessions it already holds. */
    static Result carry(List<LogEntry> live, WriteAheadLog next) throws WriteAheadLogException {
        return carry(live, next, BeforeCopy.NOTHING);
    }

    /**
     * As {@link #carry(List, WriteAheadLog)}, telling {@code before} what will be copied first; returns once the
     * copies are durable (as far as {@code next}'s policy forces anything), so that the old log may be told.
     */
    static Result carry(List<LogEntry> live, WriteAheadLog next, BeforeCopy before) throws WriteAheadLogException {
        List<LogEntry> alreadyThere = next.liveEntries();
        Set<UUID> held = new HashSet<>();
        alreadyThere.forEach(entry -> held.add(entry.sessionId()));
        List<LogEntry> carried = live.stream().filter(entry -> !held.contains(entry.sessionId())).toList();
        before.copying(carried);
        if (!carried.isEmpty()) {
            awaitDurable(next, next.appendAll(carried));
        }
        return new Result(carried, sessionsOf(carried).size(), alreadyThere);
    }

    /**
     * Marks sessions handed over in a log ({@code SESSION_FINISHED} each) and returns once that is durable.
     *
     * @throws WriteAheadLogException if the log could not take the marks or make them durable
     */
    static void finish(WriteAheadLog log, List<InUseRecord.HandedOver> sessions) throws WriteAheadLogException {
        if (!sessions.isEmpty()) {
            awaitDurable(log, log.appendAll(sessions.stream().map(InUseRecord.HandedOver::finished).toList()));
        }
    }

    private static void awaitDurable(WriteAheadLog log, long sequence) throws WriteAheadLogException {
        try {
            CompletionStage<Void> durable = log.whenDurable(sequence);
            if (durable != null) {
                durable.toCompletableFuture().get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteAheadLogException("interrupted while waiting for entries up to sequence " + sequence + " to be durable in "
                    + log, e);
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new WriteAheadLogException("entries up to sequence " + sequence + " could not be made durable in " + log + ": "
                    + cause, cause);
        }
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
