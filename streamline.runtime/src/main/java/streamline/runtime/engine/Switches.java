package streamline.runtime.engine;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;

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
    /** The unfinished entries of a log that went away, held for the next one. */
    private volatile List<LogEntry> carryOver = List.of();

    Switches(StepJournal journal, FlowActivation flows, InUseRecord inUse, Recovery recovery) {
        this.journal = journal;
        this.flows = flows;
        this.inUse = inUse;
        this.recovery = recovery;
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
            carryFromPreviousInContext(log, store, known);
        }
    }

    private void carryFromPreviousInContext(Named<WriteAheadLog> log, Named<FlowManager> store, KnownServices known)
            throws WriteAheadLogException, IOException, PreviousUnavailableException {
        InUseRecord.InUse recorded = log.recorded() || store.recorded() ? inUse.read() : InUseRecord.InUse.NONE;
        WriteAheadLog previousLog = previous(recorded.wal(), log, known.wal(recorded.wal()), "write-ahead log", known);
        FlowManager previousStore = previous(recorded.flowStore(), store, known.flowStore(recorded.flowStore()), "flow store", known);
        if (previousLog != null) {
            List<LogEntry> old = previousLog.liveEntries();
            LogHandover.Result result = LogHandover.carry(old, log.service());
            LogHandover.markHandedOver(previousLog, old);
            LOG.info("the engine last ran on write-ahead log '{}': {} unfinished sessions carried over to {}", recorded.wal(),
                    result.sessions(), log);
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
        InUseRecord.InUse now = new InUseRecord.InUse(log.recorded() ? log.name() : recorded.wal(),
                store.recorded() ? store.name() : recorded.flowStore());
        if (!now.equals(recorded)) {
            record(now); // a start on the same log and store writes nothing
        }
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
            swapWalInContext(next);
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
        journal.quiesce();
        LogHandover.Result result;
        try {
            List<LogEntry> unfinished = previous.liveEntries();
            result = LogHandover.carry(unfinished, next.service());
            journal.use(next.service());
            LogHandover.markHandedOver(previous, unfinished);
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
     * The log in use goes away before a replacement came: quiesce and keep its unfinished sessions'
     * entries in memory, to hand them to the next log; steps wait until one comes. If the engine
     * stops first, nothing is lost: the entries are still in the log that went away.
     */
    void detachWal(WriteAheadLog leaving) {
        try (LogContext context = LogContext.none()) {
            detachWalInContext(leaving);
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
        try {
            carryOver = leaving.liveEntries();
        } catch (WriteAheadLogException | RuntimeException e) {
            LOG.error("the write-ahead log in use went away and its unfinished sessions could not be read; they stay in it: {}",
                    e.getMessage());
            carryOver = List.of();
        }
        LOG.warn("the write-ahead log in use went away; steps wait for another ({} entries held to carry over)", carryOver.size());
    }

    private void attachWal(Named<WriteAheadLog> next) throws WriteAheadLogException {
        LogHandover.Result result = LogHandover.carry(carryOver, next.service());
        carryOver = List.of();
        journal.use(next.service());
        record(next, InUseRecord.InUse::withWal);
        journal.reopen();
        LOG.info("write-ahead log {} attached: {} entries carried over", next, result.carried().size());
        recovery.adopt(result.alreadyThere());
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
        if (!chosen.recorded()) {
            return;
        }
        try {
            record(with.apply(inUse.read(), chosen.name()));
        } catch (IOException e) {
            LOG.error("could not record the write-ahead log and flow store in use in {}: {}", inUse.file(), e.toString());
        }
    }

    /** Records the log and store in use; failing that, the engine goes on (a later start then carries over from an emptied one). */
    private void record(InUseRecord.InUse now) {
        if (now.equals(InUseRecord.InUse.NONE)) {
            return;
        }
        try {
            inUse.write(now);
        } catch (IOException e) {
            LOG.error("could not record the write-ahead log and flow store in use in {}: {}", inUse.file(), e.toString());
        }
    }
}
