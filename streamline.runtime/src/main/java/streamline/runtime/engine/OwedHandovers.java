package streamline.runtime.engine;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * The handovers the engine owes write-ahead logs, kept in its {@link InUseRecord}: sessions whose copies in a log
 * are stale, because they were carried out of it while it could not be told (it had gone away), or because a move
 * into it was cut short by a crash before the move was recorded. A log is told (its owed sessions marked handed
 * over, {@code SESSION_FINISHED} each, forced) before the engine reads it, carries into it or starts on it, and
 * whenever it is seen again; then the debt is cleared. Marking twice (a crash between marking and clearing) is
 * harmless: nothing is carried into a log while it is owed anything.
 *
 * <p>Only named logs are recorded: a move to or from an unnamed one (tests, benchmarks) owes nothing durable.
 */
final class OwedHandovers {

    private static final Logger LOG = LogManager.getLogger(OwedHandovers.class);

    private final InUseRecord record;

    OwedHandovers(InUseRecord record) {
        this.record = record;
    }

    /** Whether sessions are owed to the log of that name. */
    boolean owes(String log) throws IOException {
        return !log.isEmpty() && !record.read().owedTo(log).isEmpty();
    }

    /**
     * Before copying sessions into {@code into}: until the move is recorded ({@link #moved}), those copies are
     * stale, owed back to it, should a crash cut the move short.
     */
    void intend(Named<WriteAheadLog> into, List<LogEntry> copied) throws WriteAheadLogException {
        if (into.recorded() && !copied.isEmpty()) {
            update(now -> now.owing(into.name(), InUseRecord.HandedOver.of(copied)), "the sessions being copied into " + into);
        }
    }

    /**
     * The move is done, recorded as one write: {@code into} is the log in use, the sessions copied into it are its
     * own, and every session {@code from} held ({@code fromLive}) is owed to {@code from} until it is told.
     */
    void moved(String from, List<LogEntry> fromLive, Named<WriteAheadLog> into, List<LogEntry> copied) throws WriteAheadLogException {
        if (!into.recorded()) {
            return;
        }
        update(now -> {
            InUseRecord.InUse next = now.withWal(into.name()).settled(into.name(), InUseRecord.HandedOver.of(copied));
            return from.isEmpty() || from.equals(into.name()) ? next : next.owing(from, InUseRecord.HandedOver.of(fromLive));
        }, "the move to " + into);
    }

    /**
     * Tells {@code log} what it is owed, forced, then clears the debt.
     *
     * @throws WriteAheadLogException if the log could not take the marks, or the record could not be written: the debt
     *         stays, and the log must not be read for unfinished sessions
     */
    void pay(Named<WriteAheadLog> log) throws WriteAheadLogException {
        if (!log.recorded()) {
            return;
        }
        List<InUseRecord.HandedOver> owed = read().owedTo(log.name());
        if (owed.isEmpty()) {
            return;
        }
        LogHandover.finish(log.service(), owed);
        update(now -> now.settled(log.name(), owed), "the handover told to " + log);
        LOG.info("write-ahead log {} told that {} sessions carried out of it were handed over", log, owed.size());
    }

    /** Pays every log owed anything that is present among {@code known}, but those named in {@code except}; failures are logged. */
    void payPresent(KnownServices known, Set<String> except) {
        Map<String, List<InUseRecord.HandedOver>> owed;
        try {
            owed = record.read().owed();
        } catch (IOException e) {
            LOG.error("could not read the handovers owed to write-ahead logs from {}: {}", record.file(), e.toString());
            return;
        }
        for (String name : owed.keySet()) {
            if (!except.contains(name)) {
                payIfPresent(name, known);
            }
        }
    }

    /** Pays the log of that name if it is owed anything and present among {@code known}; failures are logged. */
    void payIfPresent(String name, KnownServices known) {
        try {
            if (!owes(name)) {
                return;
            }
            Optional<WriteAheadLog> log = known.wal(name);
            if (log.isPresent()) {
                payOrWarn(new Named<>(name, log.get()));
            }
        } catch (IOException | RuntimeException | StackOverflowError | LinkageError e) {
            LOG.warn("could not look up write-ahead log '{}' to tell it that sessions carried out of it were handed over: {}", name,
                    e.toString());
        }
    }

    /** As {@link #pay}, a failure logged: the debt stays, and the log is told when next seen. */
    void payOrWarn(Named<WriteAheadLog> log) {
        try {
            pay(log);
        } catch (WriteAheadLogException | RuntimeException | StackOverflowError | LinkageError e) {
            // a log's bundle broken (an Error from its code) is one more log that cannot be told now
            LOG.warn("could not tell write-ahead log {} that sessions carried out of it were handed over; it is told when next seen: {}",
                    log, e.toString());
        }
    }

    private InUseRecord.InUse read() throws WriteAheadLogException {
        try {
            return record.read();
        } catch (IOException e) {
            throw new WriteAheadLogException("could not read the handovers owed to write-ahead logs: " + e, e);
        }
    }

    private void update(UnaryOperator<InUseRecord.InUse> change, String what) throws WriteAheadLogException {
        try {
            record.update(change);
        } catch (IOException e) {
            throw new WriteAheadLogException("could not record " + what + " in " + record.file() + ": " + e, e);
        }
    }
}
