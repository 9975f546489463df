package streamline.runtime.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.StepUnavailableException;
import streamline.api.track.BranchTracker;
import streamline.api.wal.WriteAheadLogException;

/**
 * Steps that cannot run now: a step whose processor said "not now" waits on the same attempt with a growing
 * pause (its wait's start logged once, its processor's wait limit enforced), and a step whose processor has no
 * provider is parked until one comes back. {@link StepRunner} hands them here and runs them again.
 */
final class WaitingSteps {

    /** Logs as step running did, so that a wait reads in the same place as the step. */
    private static final Logger LOG = LogManager.getLogger(StepRunner.class);

    private final StepWaits waits;
    private final StepJournal journal;
    private final BranchTracker tracker;
    private final StepRunner runner;

    WaitingSteps(StepWaits waits, StepJournal journal, BranchTracker tracker, StepRunner runner) {
        this.waits = waits;
        this.journal = journal;
        this.tracker = tracker;
        this.runner = runner;
    }

    /**
     * A step said "not now": it runs again, on the same attempt, after a pause that grows to the ceiling. Its start
     * stays the last entry of it in the log, so a restart runs it again (and it waits again if the world is still
     * not ready); at its first wait that start is logged again saying since when it waits, so that its processor's
     * wait limit counts from then after a restart too. Past that limit, the session fails with the reason.
     */
    void waitFor(SessionRun session, UUID step, SessionRun.StepInput input, StepUnavailableException unavailable) {
        if (givenUp(session, step)) {
            session.waiting.remove(step);
            return; // another branch failed the session meanwhile: nothing of it runs or is logged again
        }
        ProcessorDefinition processor = session.run.processors.get(step).definition;
        Instant now = Instant.now();
        SessionRun.Waiting before = session.waiting.get(step);
        Instant since = before != null ? before.since() : input.waitingSince() != null ? input.waitingSince() : now;
        boolean logged = before != null ? before.logged() : input.waitingSince() != null;
        int count = before == null ? 0 : before.waits() + 1;
        Duration waited = Duration.between(since, now);
        Optional<Duration> limit = waits.maxWait(processor);
        if (limit.isPresent() && waited.compareTo(limit.get()) >= 0) {
            session.waiting.remove(step);
            String error = "processor " + processor.name() + " (type " + processor.type() + ") waited " + waited.toSeconds()
                    + " s, past its " + StepWaits.MAX_WAIT_KEY + " of " + limit.get().toSeconds() + " s: " + unavailable.reason();
            LOG.error("session {} failed: {}", session.id, SessionOutcomes.forLog(error));
            runner.outcomes().failSession(session, processor, input, error, false);
            return;
        }
        Duration delay = waits.delay(count, unavailable.retryAfter());
        if (limit.isPresent()) {
            Duration left = limit.get().minus(waited);
            delay = delay.compareTo(left) > 0 ? left : delay; // the limit is checked when it is reached, not a ceiling later
        }
        if (!logged) {
            logged = logWaitStart(session, step, input, since, unavailable.reason());
        }
        session.waiting.put(step, new SessionRun.Waiting(processor.name(), unavailable.reason(), since, count, logged));
        session.steps.put(step, new SessionRun.StepState(processor.name(), input.attempt(), now.plus(delay), false));
        if (count == 0) {
            LOG.warn("step {} waits, no retry spent: {}; it runs again in {} ms, then less often", processor.name(),
                    unavailable.reason(), delay.toMillis());
        } else {
            LOG.debug("step {} still waits ({} times, {} s): {}", processor.name(), count, waited.toSeconds(), unavailable.reason());
        }
        runner.later(delay, () -> runner.dispatch(session, step, input));
    }

    /**
     * Logs a waiting step's start again, saying since when it waits. A log that cannot take it now (a full disk)
     * costs only that: the wait is counted in memory, and its start logged at a later wait.
     *
     * @return whether it is in the log
     */
    private boolean logWaitStart(SessionRun session, UUID step, SessionRun.StepInput input, Instant since, String reason) {
        try {
            synchronized (session.failing) {
                if (givenUp(session, step)) {
                    return false; // failed meanwhile: the entry would come after the session's end
                }
                journal.appendInside(List.of(session.waitingStart(step, input, StepWaits.describeStart(since, reason))));
            }
            return true;
        } catch (WriteAheadLogException | RuntimeException e) {
            LOG.warn("could not log since when step {} waits (it is counted in this run only until it is): {}",
                    session.run.processors.get(step).definition.name(), e.getMessage());
            return false;
        }
    }

    /** Whether the session ended or was given up as failed (by another of its branches): the step is no longer its tracker's. */
    private boolean givenUp(SessionRun session, UUID step) {
        return session.over() || !tracker.pendingSteps(session.id).contains(step);
    }

    void park(SessionRun session, UUID step, SessionRun.StepInput input) {
        FlowRun run = session.run;
        FlowRun.ProcessorSlot slot = run.processors.get(step);
        session.steps.put(step, new SessionRun.StepState(slot.definition.name(), input.attempt(), null, false));
        // counted with the sessions that wait for the world (a wait that goes on after the provider is back counts from here)
        session.waiting.putIfAbsent(step, new SessionRun.Waiting(slot.definition.name(), "no provider of processor type "
                + slot.definition.type(), input.waitingSince() != null ? input.waitingSince() : Instant.now(), 0, input.waitingSince() != null));
        run.parked.add(() -> runner.dispatch(session, step, input));
        if (slot.available()) {
            run.releaseParked(); // the provider came back while parking
        }
    }
}
