package streamline.runtime.engine;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * Moves the engine between write-ahead logs and flow stores without losing a session or a flow:
 * at start (from the ones it used last, recorded in its work directory), while running (a swap),
 * and when the log in use goes away and another comes. Sessions move through {@link LogHandover},
 * flows through {@link FlowHandover}.
 */
final class Switches {

    private static final Logger LOG = LogManager.getLogger(Switches.class);

    private final StepJournal journal;
    private final FlowActivation flows;
    private final InUseRecord inUse;
    private final Recovery recovery;
    private final OwedHandovers owed;
    /**
     * Held by every switch of logs from its first read to its last write, and by the telling of a log seen again:
     * so that a log is never told what it is owed while sessions are being carried into it.
     */
    private final Object switching = new Object();
    /** The log in use, with the name it is recorded by (empty before a start). */
    private Named<WriteAheadLog> current;
    /**
     * A log that went away with its unfinished sessions unreadable, and its name ("" if unnamed): they are still in it,
     * and the engine's sessions from it go on in no other log (that log's return would run them again); null if none.
     */
    private WriteAheadLog unreadable;
    private String unreadableName = "";
    /** The name of the log that went away, its unfinished entries held for the next one. */
    private String away = "";
    private volatile List<LogEntry> carryOver = List.of();

    Switches(StepJournal journal, FlowActivation flows, InUseRecord inUse, Recovery recovery) {
        this.journal = journal;
        this.flows = flows;
        this.inUse = inUse;
        this.recovery = recovery;
        this.owed = new OwedHandovers(inUse);
    }

    /**
     * Before a start: if the engine last used another log or store than these (recorded in its work
     * directory), carries their unfinished sessions and flows over, then records these.
     *
     * @throws PreviousUnavailableException if the one used last is not present and not declared abandoned;
     *         nothing was changed
     */
    void carryFromPrevious(Named<WriteAheadLog> log, Named<FlowManager> store, KnownServices known)
            throws WriteAheadLogException, IOException, PreviousUnavailableException {
        try (LogContext context = LogContext.none()) {
            synchronized (switching) {
                carryFromPreviousInContext(log, store, known);
                current = log;
            }
        }
    }

    private void carryFromPreviousInContext(Named<WriteAheadLog> log, Named<FlowManager> store, KnownServices known)
            throws WriteAheadLogException, IOException, PreviousUnavailableException {
        InUseRecord.InUse recorded = log.recorded() || store.recorded() ? inUse.read() : InUseRecord.InUse.NONE;
        WriteAheadLog previousLog = previous(recorded.wal(), log, known.wal(recorded.wal()), "write-ahead log", known);
        FlowManager previousStore = previous(recorded.flowStore(), store, known.flowStore(recorded.flowStore()), "flow store", known);
        // sessions owed to the log started on, or to the one carried from, are stale there: each is told before it is read
        owed.pay(log);
        if (previousLog != null) {
            Named<WriteAheadLog> from = new Named<>(recorded.wal(), previousLog);
            previousLog.force(); // its last ends may be unforced, and the engine writes to it no more
            owed.pay(from);
            List<LogEntry> old = previousLog.liveEntries();
            LogHandover.Result result = LogHandover.carry(old, log.service(), copied -> owed.intend(log, copied));
            owed.moved(from.name(), old, log, result.carried());
            owed.payOrWarn(from);
            LOG.info("the engine last ran on write-ahead log '{}': {} unfinished sessions carried over to {}", recorded.wal(),
                    result.sessions(), log);
        }
        if (log.recorded()) {
            owed.payPresent(known, Set.of(log.name()));
        }
        if (previousStore != null) {
            try {
                int saved = FlowHandover.carry(previousStore, store.service());
                LOG.info("the engine last used flow store '{}': {} flows carried over to {}", recorded.flowStore(), saved, store);
            } catch (FlowStoreException e) {
                throw new IOException("could not carry the flows of flow store '" + recorded.flowStore() + "' over to " + store
                        + ": " + e.getMessage(), e);
            }
        }
        String wal = log.recorded() ? log.name() : recorded.wal();
        String flowStore = store.recorded() ? store.name() : recorded.flowStore();
        record(now -> now.withWal(wal).withFlowStore(flowStore)); // a start on the same log and store writes nothing
    }

    /**
     * The log or store used last, when the engine now starts on another one: it must be present, unless the
     * operator declared it gone for good.
     *
     * @return null when there is nothing to carry over
     */
    private static <T> T previous(String recordedName, Named<T> current, Optional<T> found, String what,
            KnownServices known) throws PreviousUnavailableException {
        if (!current.recorded() || recordedName.isEmpty() || recordedName.equals(current.name())) {
            return null;
        }
        if (found.isPresent()) {
            return found.get();
        }
        if (known.abandoned(recordedName)) {
            LOG.warn("the engine last used {} '{}', which the configuration declares abandoned: starting on {} without what it holds",
                    what, recordedName, current);
            return null;
        }
        throw new PreviousUnavailableException(recordedName, "the engine last used " + what + " '" + recordedName
                + "', which is not present; it waits for it, to carry what it holds over to " + current
                + " (if it is gone for good, name it in the engine's 'abandon' configuration)");
    }

    /** Moves to another log while running (or, after the one in use went away, takes the next one). */
    void swapWal(Named<WriteAheadLog> next) throws WriteAheadLogException {
        Objects.requireNonNull(next, "next");
        try (LogContext context = LogContext.none()) {
            synchronized (switching) {
                swapWalInContext(next);
            }
        }
    }

    private void swapWalInContext(Named<WriteAheadLog> next) throws WriteAheadLogException {
        WriteAheadLog previous = journal.log();
        if (previous == next.service()) {
            return;
        }
        if (previous == null) {
            attachWal(next);
            return;
        }
        Named<WriteAheadLog> from = current != null && current.service() == previous ? current : Named.unnamed(previous);
        journal.quiesce();
        LogHandover.Result result;
        try {
            // ends appended unforced wait for the log's next forced write, which never comes once the engine left it
            previous.force();
            // sessions owed to the next log are stale there: told first, so that they are neither recovered nor block the carry
            owed.pay(next);
            List<LogEntry> unfinished = previous.liveEntries();
            result = LogHandover.carry(unfinished, next.service(), copied -> owed.intend(next, copied));
            owed.moved(from.name(), unfinished, next, result.carried());
            journal.use(next.service());
            current = next;
            if (from.recorded() && next.recorded() && !from.name().equals(next.name())) {
                owed.payOrWarn(from); // a log left for one of its own name cannot be owed: it is told at once, below
            } else {
                LogHandover.markHandedOver(previous, unfinished);
            }
            record(next, InUseRecord.InUse::withWal);
            LOG.info("write-ahead log swapped to {}: {} entries of {} unfinished sessions carried over", next,
                    result.carried().size(), result.sessions());
        } finally {
            journal.reopen();
        }
        int adopted = recovery.adopt(result.alreadyThere());
        if (adopted > 0) {
            LOG.info("the new write-ahead log held {} unfinished sessions of an earlier run; recovering them", adopted);
        }
    }

    /**
     * The log in use goes away before a replacement came: quiesce, force it, and keep its unfinished sessions'
     * entries in memory, to hand them to the next log; steps wait until one comes. If the engine
     * stops first, nothing is lost: the entries are still in the log that went away.
     */
    void detachWal(WriteAheadLog leaving) {
        try (LogContext context = LogContext.none()) {
            synchronized (switching) {
                detachWalInContext(leaving);
            }
        }
    }

    private void detachWalInContext(WriteAheadLog leaving) {
        if (journal.log() != leaving) {
            return;
        }
        try {
            journal.quiesce();
        } catch (WriteAheadLogException e) {
            LOG.warn("the write-ahead log in use goes away while steps still run: {}", e.getMessage());
            journal.forceClose();
        }
        // no write to the log leaving is in progress or begins from here (steps still running after a quiesce that timed
        // out retry theirs through the gate, into the next log): what it holds now is all it will hold
        journal.use(null);
        away = current != null && current.service() == leaving ? current.name() : "";
        current = null;
        try {
            // as a swap does: the engine writes to this log no more, so ends appended unforced would wait for a force that
            // never comes; a power loss, or a force failing later, would take them, and the log would hold their sessions
            // live, owed nothing, with nothing keeping their flow versions' definitions
            leaving.force();
            carryOver = leaving.liveEntries();
        } catch (WriteAheadLogException | RuntimeException e) {
            LOG.error("the write-ahead log in use went away and its unfinished sessions could not be made durable and read; they "
                    + "stay in it, and the engine takes no other log until it comes back: {}", e.getMessage());
            carryOver = List.of();
            unreadable = leaving;
            unreadableName = away;
        }
        LOG.warn("the write-ahead log in use went away; steps wait for another ({} entries held to carry over)", carryOver.size());
    }

    /**
     * A log comes after the one in use went away: it takes the sessions held from that one, which cannot be told now.
     * The move is recorded with the sessions owed to the log that went away, in one forced write, before any of them
     * runs on the new log; that log is told when next seen ({@link #logPresent}, a swap or start on it). The copies are
     * recorded as owed to the new log before they are written, so that a crash before the move is recorded leaves
     * them stale there, not live twice.
     */
    private void attachWal(Named<WriteAheadLog> next) throws WriteAheadLogException {
        if (unreadable != null && next.service() != unreadable && (unreadableName.isEmpty() || !next.name().equals(unreadableName))) {
            throw new WriteAheadLogException("write-ahead log " + next + " not taken: the log in use went away ("
                    + (unreadableName.isEmpty() ? "unnamed" : "'" + unreadableName + "'") + ") with its unfinished sessions "
                    + "unreadable, so they are still in it; the engine takes no other log until that one comes back (steps wait)");
        }
        owed.pay(next);
        if (unreadable != null) {
            // the force that failed as it went away cut what it did not cover, completions appended unforced among them,
            // while its sessions went on here: their completions are written again, before anything after them is, so
            // that the log can recover them (a step's rerun would else find its successor done or scheduled already)
            List<LogEntry> completed = recovery.completedSteps();
            if (!completed.isEmpty()) {
                next.service().appendAll(completed);
            }
        }
        List<LogEntry> held = carryOver;
        LogHandover.Result result = LogHandover.carry(held, next.service(), copied -> owed.intend(next, copied));
        if (!next.recorded() && !away.isEmpty() && !held.isEmpty()) {
            LOG.warn("write-ahead log {} is not recorded by name: the {} sessions carried into it stay live in '{}', which went away",
                    next, InUseRecord.HandedOver.of(held).size(), away);
        }
        owed.moved(away, held, next, result.carried());
        carryOver = List.of();
        away = "";
        unreadable = null;
        unreadableName = "";
        journal.use(next.service());
        current = next;
        record(next, InUseRecord.InUse::withWal);
        journal.reopen();
        LOG.info("write-ahead log {} attached: {} entries carried over", next, result.carried().size());
        recovery.adopt(result.alreadyThere());
    }

    /**
     * A log's service is present (again) while the engine runs: if it is owed handovers and is not the log in use, it is
     * told now. Looked up among {@code known} only if owed anything.
     */
    void logPresent(String name, KnownServices known) {
        try (LogContext context = LogContext.none()) {
            synchronized (switching) {
                if (current != null && current.name().equals(name)) {
                    return; // the log in use was told at the switch to it
                }
                owed.payIfPresent(name, known);
            }
        }
    }

    /**
     * Switches to another flow store: first carries the flows of the store in use over (those the new
     * one lacks or holds in an older version), so that no flow stops, then re-reads every flow from it.
     */
    void switchFlowStore(Named<FlowManager> next) {
        Objects.requireNonNull(next, "next");
        try (LogContext context = LogContext.none()) {
            switchFlowStoreInContext(next);
        }
    }

    private void switchFlowStoreInContext(Named<FlowManager> next) {
        FlowManager previous = flows.store();
        if (previous != null && previous != next.service()) {
            try {
                int saved = FlowHandover.carry(previous, next.service());
                LOG.info("flow store switched to {}: {} flows carried over", next, saved);
            } catch (FlowStoreException | RuntimeException e) {
                LOG.error("flow store switched to {}, but the flows of the previous one could not all be carried over: {}", next,
                        e.getMessage());
            }
        }
        record(next, InUseRecord.InUse::withFlowStore);
        flows.follow(next.service());
    }

    /** Records one of the two choices, keeping the other as recorded. */
    private void record(Named<?> chosen, BiFunction<InUseRecord.InUse, String, InUseRecord.InUse> with) {
        if (chosen.recorded()) {
            record(now -> with.apply(now, chosen.name()));
        }
    }

    /** Records the log and store in use; failing that, the engine goes on (a later start then carries over from an emptied one). */
    private void record(UnaryOperator<InUseRecord.InUse> change) {
        try {
            inUse.update(change);
        } catch (IOException e) {
            LOG.error("could not record the write-ahead log and flow store in use in {}: {}", inUse.file(), e.toString());
        }
    }
}
