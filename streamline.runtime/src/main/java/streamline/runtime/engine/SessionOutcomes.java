package streamline.runtime.engine;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.engine.SessionListener;
import streamline.api.engine.SessionUpdate;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.TriggerProcessor;
import streamline.api.track.BranchTracker;
import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

import streamline.runtime.content.ContentStore;

/**
 * How sessions end: a failed step is retried after its backoff (its next attempt logged first) or
 * fails its session, whose input is kept for inspection; an entry the log refuses as it is fails its
 * session at once. A session's trigger is told of its end before the end is logged (so after a crash
 * in between it is told again), then the listeners.
 */
final class SessionOutcomes {

    private static final Logger LOG = LogManager.getLogger(SessionOutcomes.class);
    private static final Duration WAL_RETRY = Duration.ofSeconds(1);
    /** How much of a session's error text is logged when the log refuses the whole (an exception's message of many megabytes). */
    private static final int ERROR_KEPT_WHEN_REFUSED = 64 * 1024;
    /** The start of a text the engine's own lines carry (see {@link #forLog}). */
    private static final int LOGGED_TEXT = 4000;

    private final LiveSessions live;
    private final FlowActivation flows;
    private final StepJournal journal;
    private final BranchTracker tracker;
    private final ContentStore content;
    private final FailedSessionStore failedSessions;
    private final RetryBackoff backoff;
    private final List<SessionListener> listeners;
    private final StepRunner runner;

    SessionOutcomes(LiveSessions live, FlowActivation flows, StepJournal journal, BranchTracker tracker, ContentStore content,
            FailedSessionStore failedSessions, RetryBackoff backoff, List<SessionListener> listeners, StepRunner runner) {
        this.live = live;
        this.flows = flows;
        this.journal = journal;
        this.tracker = tracker;
        this.content = content;
        this.failedSessions = failedSessions;
        this.backoff = backoff;
        this.listeners = listeners;
        this.runner = runner;
    }

    /**
     * Logs a session's end, retrying until the log takes it, then cleans up. A session started by a
     * trigger is logged as finished only after its trigger was told, so a crash in between tells
     * the trigger again after the restart: triggers hear about each session at least once.
     */
    void logEnd(SessionRun session, String error, boolean enterGate) {
        logEnd(session, error, error, enterGate);
    }

    /** @param loggedError {@code error}, or its start if the log refused the whole text */
    private void logEnd(SessionRun session, String error, String loggedError, boolean enterGate) {
        try (LogContext context = LogContext.of(session)) {
            logEndInContext(session, error, loggedError, enterGate);
        }
    }

    private void logEndInContext(SessionRun session, String error, String loggedError, boolean enterGate) {
        List<LogEntry> end = List.of(LogEntry.sessionFinished(session.id, session.flowId, session.loggedMark, loggedError));
        StepJournal.Written written;
        try {
            if (error.isEmpty()) {
                // every step is logged complete: lost in a crash, this end is redone (told again, logged again) without
                // running a step, so what the session needs is durable once those completions are
                StepJournal.Written endWritten = journal.appendUnforced(end, enterGate);
                written = session.stepsLogged == null ? endWritten : session.stepsLogged;
            } else if (enterGate) {
                written = journal.append(end);
            } else {
                written = journal.appendInside(end);
            }
        } catch (WriteAheadLogException | RuntimeException e) {
            if (e instanceof EntryRejectedException && loggedError.length() > ERROR_KEPT_WHEN_REFUSED) {
                // only the error text can make an end too large (its trigger mark was logged with the start):
                // the log keeps the start of it; the engine's log, the listeners and the trigger get all of it
                logEnd(session, error, loggedError.substring(0, ERROR_KEPT_WHEN_REFUSED) + " … (cut to "
                        + ERROR_KEPT_WHEN_REFUSED + " of " + loggedError.length() + " characters: the write-ahead log refused the whole text)",
                        enterGate);
                return;
            }
            if (journal.retired()) {
                return; // the engine stopped: the session is unfinished in the log and ends after the next start
            }
            LOG.error("could not log the end of session {}; retrying in {} s: {}", session.id, WAL_RETRY.toSeconds(),
                    e.getMessage());
            runner.later(WAL_RETRY, () -> logEnd(session, error, loggedError, true));
            return;
        } catch (InterruptedException e) {
            return;
        }
        ended(session, error, written);
    }

    /** A step failed, inside the gate: retried after its backoff (the next attempt logged first), or its session fails. */
    void failed(SessionRun session, FlowRun.ProcessorSlot slot, SessionRun.StepInput input, Throwable failure) {
        ProcessorDefinition processor = slot.definition;
        UUID step = processor.id();
        if (input.attempt() < processor.maxRetries()) {
            int next = input.attempt() + 1;
            Duration delay = backoff.delay(processor, input.attempt());
            LOG.warn("step {} failed (attempt {} of {}), retrying in {} s: {}", processor.name(), input.attempt() + 1,
                    processor.maxRetries() + 1, delay.toSeconds(), forLog(failure.toString()));
            try {
                synchronized (session.failing) {
                    if (session.over() || !tracker.pendingSteps(session.id).contains(step)) {
                        return; // another branch failed the session meanwhile: the entry would come after its end
                    }
                    journal.appendInside(List.of(LogEntry.stepStarted(session.id, session.flowId, step, processor.name(), input.contentId(),
                            input.object().metadata(), session.loggedMark, next, List.copyOf(session.outputs.keySet()))));
                }
            } catch (WriteAheadLogException | RuntimeException e) {
                if (e instanceof EntryRejectedException rejected) {
                    failUnloggable(session, processor, input, "the retry of step " + processor.name(), rejected, false);
                    return;
                }
                LOG.error("could not log the retry of step {} of session {}; trying again in {} s: {}", processor.name(),
                        session.id, WAL_RETRY.toSeconds(), e.getMessage());
                runner.later(WAL_RETRY, () -> runner.dispatch(session, step, input));
                return;
            }
            session.steps.put(step, new SessionRun.StepState(processor.name(), next, Instant.now().plus(delay), false));
            runner.later(delay, () -> runner.dispatch(session, step, input.withAttempt(next)));
            return;
        }
        String error = "processor " + processor.name() + " (type " + processor.type() + ") failed after "
                + (input.attempt() + 1) + (input.attempt() == 0 ? " attempt: " : " attempts: ") + describe(failure);
        LOG.error("session {} failed: {}", session.id, forLog(error));
        failSession(session, processor, input, error, false);
    }

    /** The log refused an entry as it is: retrying cannot help, so the session fails, saying why. */
    void failUnloggable(SessionRun session, ProcessorDefinition processor, SessionRun.StepInput input, String what,
            EntryRejectedException rejected, boolean enterGate) {
        String error = what + " could not be logged: " + rejected.getMessage();
        LOG.error("session {} failed: {}", session.id, forLog(error));
        failSession(session, processor, input, error, enterGate);
    }

    /**
     * A text for the engine's own log lines: a plug-in's exception message can be any size, and a line per attempt
     * of all of it would flood the log; the session's listeners and its failed record get the whole text.
     */
    static String forLog(String text) {
        return text.length() <= LOGGED_TEXT ? text : text.substring(0, LOGGED_TEXT) + "… (" + text.length() + " characters)";
    }

    static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    void failSession(SessionRun session, ProcessorDefinition processor, SessionRun.StepInput input, String error,
            boolean enterGate) {
        synchronized (session.failing) {
            if (!session.giveUp()) {
                return; // it ended, or another of its branches failed it first: that failure's record and end stand
            }
        }
        try {
            failedSessions.keep(new FailedSessionStore.FailedSession(session.id, session.flowId, session.run.name(), processor.id(),
                    processor.name(), input.attempt(), error, input.object().metadata(), session.mark,
                    session.startedAt.toString(), Instant.now().toString(), !input.contentId().isEmpty(), session.triggerId, null), content,
                    input.contentId());
        } catch (IOException | RuntimeException e) {
            LOG.error("could not keep the input of failed session {} for inspection: {}", session.id, e.getMessage());
        }
        tracker.forgetSession(session.id);
        if (session.triggerId == null) {
            logEnd(session, error, enterGate);
        } else {
            endTriggered(session, error, enterGate);
        }
    }

    /**
     * Ends a session that a trigger started: tells the trigger, then logs the end (so a crash in between
     * tells it again after the restart). While the trigger's instance is gone (its bundle stopped), the
     * end waits for it, unlogged: logged without the trigger hearing of it, the end would never reach it,
     * and a source that redelivers what it has not seen end would deliver the item again. While a call of
     * the trigger is in progress, the end is told after it: a call that decided to emit the item before
     * hearing of its end is answered with the live session, not a second one.
     */
    void endTriggered(SessionRun session, String error, boolean enterGate) {
        try (LogContext context = LogContext.of(session)) {
            endTriggeredInContext(session, error, enterGate);
        }
    }

    private void endTriggeredInContext(SessionRun session, String error, boolean enterGate) {
        FlowRun.TriggerSlot trigger = triggerOf(session.run, session.triggerId);
        if (waitsForTrigger(session, error, trigger)) {
            return;
        }
        if (trigger == null) {
            logEnd(session, error, enterGate); // a trigger no longer in the flow's definition: no one to tell
            return;
        }
        // told under the lock of the very instance told (a retired run's trigger may still be in a call of its own)
        trigger.endsToTell.add(new FlowRun.EndToTell(session, error));
        tellWhenFree(trigger, enterGate);
    }

    /**
     * Tells the queued ends to their trigger while none of its calls is in progress, then logs them. Never
     * waits for a call: if one is in progress, the thread making it tells them when it is done. From outside the
     * gate ({@code enterGate}), it enters the gate before telling and leaves it once the told ends are logged: a
     * stop or a switch of logs waits for them, so none is left told but unlogged by a clean stop (a trigger's
     * {@code sessionEnded} may take a while, a folder force for each), and while one is under way none is told.
     */
    void tellWhenFree(FlowRun.TriggerSlot called, boolean enterGate) {
        while (!called.endsToTell.isEmpty()) {
            if (enterGate) {
                try {
                    journal.enter();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return; // stopping: the ends stay untold and unlogged, and are told after the next start
                }
            }
            List<FlowRun.EndToTell> elsewhere = new ArrayList<>();
            try {
                if (!called.calling.tryLock()) {
                    return;
                }
                List<FlowRun.EndToTell> told = new ArrayList<>();
                try {
                    FlowRun.EndToTell end;
                    while ((end = called.endsToTell.poll()) != null) {
                        SessionRun session = end.session();
                        FlowRun.TriggerSlot trigger = triggerOf(session.run, session.triggerId);
                        if (trigger != called && (trigger == null || trigger.calling != called.calling)) {
                            elsewhere.add(end); // the instance it waited for went away: told to the one there is now, under its lock
                        } else if (!waitsForTrigger(session, end.error(), trigger)) {
                            tellTrigger(trigger, session, end.error());
                            told.add(end);
                        }
                    }
                } finally {
                    called.calling.unlock();
                }
                told.forEach(end -> logEnd(end.session(), end.error(), false)); // inside the gate, entered here or by the caller
            } finally {
                if (enterGate) {
                    journal.leave();
                }
            }
            elsewhere.forEach(end -> endTriggered(end.session(), end.error(), enterGate));
        }
    }

    /**
     * Parks the session's end on its run while its trigger has no instance (the trigger's bundle stopped): the
     * end is taken up again when a provider is back.
     *
     * @return whether the end waits
     */
    private boolean waitsForTrigger(SessionRun session, String error, FlowRun.TriggerSlot trigger) {
        if (trigger == null || !trigger.definition.enabled() || trigger.instance != null) {
            return false;
        }
        FlowRun run = session.run;
        run.parked.add(() -> endTriggered(session, error, true));
        LOG.info("session {} ended; the end is logged once trigger {} (type {}) is back to hear of it", session.id,
                trigger.definition.name(), trigger.definition.type());
        if (trigger.available()) {
            run.releaseParked(); // the provider came back meanwhile
        }
        return true;
    }

    /** Tells the trigger that started a session that it ended, if it has an instance. */
    private static void tellTrigger(FlowRun.TriggerSlot trigger, SessionRun session, String error) {
        TriggerProcessor instance = trigger == null ? null : trigger.instance;
        if (instance == null) {
            return; // a trigger no longer in the flow's definition, or disabled: no one to tell
        }
        // the lines it logs are about this session and this trigger, whichever thread tells it
        try (LogContext context = LogContext.of(trigger.context.flowName(), trigger.context.flowId(), session.id,
                trigger.definition.name(), trigger.definition.id())) {
            try {
                instance.sessionEnded(new SessionUpdate(session.id, session.flowId, true, error, session.mark));
            } catch (Throwable e) {
                // whatever a trigger throws (an Error too) is its own failure: the session's end goes on; the line is
                // logged inside the context (a try-with-resources' catch runs after the context is closed)
                LOG.warn("trigger {} failed to take the end of session {}: {}", trigger.definition.name(), session.id, e.toString());
            }
        }
    }

    /**
     * Cleans up after a session whose end is logged, and tells the session listeners. Its content goes once the log
     * says {@code written} is durable (the end, or for a successful session the write that completed its steps): until
     * then a crash can bring the session back, and its steps run again on that content.
     */
    void ended(SessionRun session, String error, StepJournal.Written written) {
        if (!session.end()) {
            return;
        }
        deleteContentOnceDurable(session, written);
        live.remove(session);
        SessionUpdate update = new SessionUpdate(session.id, session.flowId, true, error, session.mark);
        try (LogContext context = LogContext.of(session)) {
            for (SessionListener listener : listeners) {
                try {
                    listener.sessionUpdated(update);
                } catch (Throwable e) {
                    // a listener's failure (an Error too) is its own: the other listeners and the engine's thread go on
                    LOG.warn("session listener {} failed on the end of session {}: {}", listener, session.id, e.toString());
                }
            }
        }
    }

    /**
     * Deletes the session's content at once if {@code written} is durable already (the log forces every write, or a
     * force came meanwhile), else on the engine's scheduler after the log's next force. If the log fails or closes
     * first, or the engine stops, the content stays: the next start sweeps it if no unfinished session of its log
     * needs it.
     */
    private void deleteContentOnceDurable(SessionRun session, StepJournal.Written written) {
        List<String> contentIds = List.copyOf(session.contentIds);
        if (contentIds.isEmpty()) {
            return;
        }
        CompletableFuture<Void> done = written.durable().toCompletableFuture();
        if (done.isDone() && !done.isCompletedExceptionally()) {
            contentIds.forEach(content::delete);
            return;
        }
        done.whenCompleteAsync((ignored, failure) -> {
            if (failure == null) {
                contentIds.forEach(content::delete);
                return;
            }
            try (LogContext context = LogContext.of(session)) {
                LOG.warn("the end of session {} may not be durable, so its content stays until the next start's sweep: {}",
                        session.id, failure.getMessage());
            }
        }, runner::soon);
    }

    /** The trigger that started a session: in its own run, or (after a restart) in the flow's active run. */
    private FlowRun.TriggerSlot triggerOf(FlowRun run, UUID triggerId) {
        FlowRun.TriggerSlot slot = run == null ? null : run.triggers.get(triggerId);
        if (slot == null || slot.instance == null) {
            FlowRun active = run == null ? null : flows.active(run.id());
            if (active != null) {
                slot = active.triggers.get(triggerId);
            }
        }
        return slot;
    }
}
