package streamline.runtime.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.engine.EngineException;
import streamline.api.processor.ContentSource;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.TriggerResult;

/**
 * Retries and discards failed sessions. A retry starts a new session of the flow's current version where the failed
 * one failed: at the failed step alone, with that step's kept input (the item its trigger gave, when the step is one
 * of the flow's first processors: the flow's other first processors ran already and do not run again), and with the
 * failed session's trigger and mark, so the trigger hears of the new session's end and acknowledges its source.
 *
 * <p>Exactly one of the two survives a crash: the record first says, durably, which session the retry starts
 * ({@code retriedAs}); then that session's start is logged; then the record is removed, before the session's step
 * runs. After a crash, a record whose {@code retriedAs} is in the log is removed ({@link #settle}); one whose
 * {@code retriedAs} is not was not retried, and stays.
 */
final class FailedSessionRetries {

    private static final Logger LOG = LogManager.getLogger(FailedSessionRetries.class);

    private final FailedSessionStore failed;
    private final FlowActivation flows;
    private final SessionStarts starts;
    /** Whether a session is in progress. */
    private final Predicate<UUID> inProgress;

    FailedSessionRetries(FailedSessionStore failed, FlowActivation flows, SessionStarts starts, Predicate<UUID> inProgress) {
        this.failed = failed;
        this.flows = flows;
        this.starts = starts;
        this.inProgress = inProgress;
    }

    /** Retries one failed session at a time: two retries of one record would start two sessions from it. */
    synchronized UUID retry(UUID sessionId) throws EngineException {
        FailedSessionStore.FailedSession kept = read(sessionId);
        FlowRun run = flows.active(kept.flowId());
        String refused = "failed session " + sessionId + " is not retried: ";
        if (kept.retriedAs() != null && inProgress.test(kept.retriedAs())) {
            // its retry started, but the record's removal failed then: it goes now
            removeRetried(sessionId, kept.retriedAs());
            throw new EngineException(refused + "it was retried already, as session " + kept.retriedAs() + ", which is in progress");
        }
        if (run == null) {
            throw new EngineException(refused + "its flow " + kept.flowName() + " (" + kept.flowId() + ") is not active");
        }
        if (!run.ready()) {
            throw new EngineException(refused + "its flow " + run.name() + " waits for processor types " + run.missingTypes());
        }
        // the kept input is the failed step's: the retry goes on from that step, which the flow must still have
        if (!run.processors.containsKey(kept.processorId())) {
            throw new EngineException(refused + "it failed at step " + kept.processorName() + ", which flow " + run.name()
                    + " no longer has");
        }
        // at the failed step even when it is a first processor: the flow's other first processors ran already
        UUID step = kept.processorId();
        UUID retried = UUID.randomUUID();
        try {
            failed.retrying(kept, retried);
        } catch (IOException e) {
            throw new EngineException(refused + "its record cannot be updated: " + e, e);
        }
        ContentSource content = kept.hasContent() ? () -> Files.newInputStream(failed.contentOf(sessionId)) : null;
        UUID triggerId = kept.triggerId() != null && run.triggers.containsKey(kept.triggerId()) ? kept.triggerId() : null;
        String mark = kept.triggerMark() == null ? "" : kept.triggerMark();
        ItemOutcome outcome = starts.resume(run, triggerId, new TriggerResult(kept.metadata(), mark, content),
                new SessionStarts.Resumption(retried, step, () -> removeRetried(sessionId, retried)));
        if (!outcome.accepted()) {
            // not started: the record names no session again, and stays a failed session, retried again at will (a
            // session a failed write left in the log anyway fails at its recovery, its content gone, and this stays)
            try {
                failed.retrying(kept, null);
            } catch (IOException e) {
                LOG.warn("the record of failed session {} still names the retry that was not started: {}", sessionId, e.toString());
            }
            throw new EngineException(refused + outcome.reason());
        }
        LOG.info("failed session {} retried as session {} of flow {}{}", sessionId, retried, run.name(),
                ", at step " + kept.processorName());
        return retried;
    }

    /** The retry's session is in the log: the record goes, before that session's step runs. */
    private void removeRetried(UUID sessionId, UUID retried) {
        try {
            failed.remove(sessionId);
        } catch (IOException | RuntimeException e) {
            // the session is in the log: it runs whatever became of the record
            LOG.error("failed session {} was retried as session {}, but its record could not be removed: {}; discard it",
                    sessionId, retried, e.toString());
        }
    }

    /**
     * After a start: removes the records of failed sessions whose retry was logged before a crash cut it short, as its
     * removal would have. {@code live} tells whether a session is in the log.
     *
     * @return how many were removed
     */
    synchronized int settle(Predicate<UUID> live) {
        int removed = 0;
        for (FailedSessionStore.FailedSession kept : failed.list()) {
            if (kept.retriedAs() != null && live.test(kept.retriedAs())) {
                removeRetried(kept.sessionId(), kept.retriedAs());
                LOG.info("failed session {} had been retried as session {}, which goes on; its record is removed",
                        kept.sessionId(), kept.retriedAs());
                removed++;
            }
        }
        return removed;
    }

    synchronized void discard(UUID sessionId) throws EngineException {
        read(sessionId);
        try {
            failed.remove(sessionId);
        } catch (IOException e) {
            throw new EngineException("failed session " + sessionId + " could not be discarded: " + e, e);
        }
        LOG.info("failed session {} discarded", sessionId);
    }

    private FailedSessionStore.FailedSession read(UUID sessionId) throws EngineException {
        try {
            return failed.read(sessionId).orElseThrow(() -> new EngineException("no failed session " + sessionId
                    + " is kept (streamline:failed lists them)"));
        } catch (IOException e) {
            throw new EngineException("the record of failed session " + sessionId + " cannot be read: " + e, e);
        }
    }
}
