package streamline.runtime.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepUnavailableException;
import streamline.api.track.BranchTracker;
import streamline.api.track.StepCompletion;
import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

import streamline.runtime.content.ContentStore;
import streamline.runtime.content.FolderForces;

/**
 * Runs steps: hands a logged step to a worker, runs its processor inside the journal's gate with a
 * watchdog for the step timeout, parks it while its processor has no provider, and on completion logs
 * the completion with the starts of the steps it made ready (and the session's end when it was the
 * last) in one write before running them. A failure goes to {@link SessionOutcomes}.
 */
final class StepRunner {

    private static final Logger LOG = LogManager.getLogger(StepRunner.class);
    private static final Duration WAL_RETRY = Duration.ofSeconds(1);

    /** How a session ends when the log refuses its entries as they are; {@code enterGate} as the refused write had it. */
    interface WhenRejected {
        void fail(EntryRejectedException rejected, boolean enterGate);
    }

    private final EngineOptions options;
    private final StepJournal journal;
    private final BranchTracker tracker;
    private final ContentStore content;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService scheduler;
    /** Step timeouts only: a thread no other engine work can hold (see EngineThreads). */
    private final ScheduledExecutorService timeouts;
    private final FolderForces folderForces = new FolderForces();
    private final SessionCompletions completions;
    private final WaitingSteps waiting;
    private SessionOutcomes outcomes;
    private volatile boolean stopped;

    StepRunner(EngineOptions options, StepJournal journal, BranchTracker tracker, ContentStore content, ThreadPoolExecutor workers,
            ScheduledExecutorService scheduler, ScheduledExecutorService timeouts, Executor committer) {
        this.options = options;
        this.journal = journal;
        this.tracker = tracker;
        this.content = content;
        this.workers = workers;
        this.scheduler = scheduler;
        this.timeouts = timeouts;
        this.completions = new SessionCompletions(journal, folderForces, committer);
        this.waiting = new WaitingSteps(new StepWaits(options.waitBackoffMax()), journal, tracker, this);
    }

    /** Where failed and finished sessions go; set once, before the first step. */
    void outcomes(SessionOutcomes sessionOutcomes) {
        this.outcomes = sessionOutcomes;
    }

    SessionOutcomes outcomes() {
        return outcomes;
    }

    /** The engine stops: no step is handed out any more, and a step interrupted now is not a failure. */
    void stopping() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    /** Hands a logged step to a worker. */
    void dispatch(SessionRun session, UUID step, SessionRun.StepInput input) {
        if (stopped || session.over()) {
            return;
        }
        try {
            workers.execute(() -> runStep(session, step, input));
        } catch (RejectedExecutionException e) {
            // stopping: the step is in the log and runs again after the next start
        }
    }

    /** Runs a task soon on the engine's scheduler; not at all once the engine stops. */
    void soon(Runnable task) {
        later(Duration.ZERO, task);
    }

    /** Runs a task after a delay on the engine's scheduler. */
    void later(Duration delay, Runnable task) {
        try {
            scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping: what the task would do is in the log and runs again after the next start
        }
    }

    private void runStep(SessionRun session, UUID step, SessionRun.StepInput input) {
        if (session.over() || stopped) {
            return;
        }
        FlowRun run = session.run;
        FlowRun.ProcessorSlot slot = run.processors.get(step);
        ProcessorDefinition processor = slot.definition;
        Processor instance = slot.instance;
        int generation = slot.generation.get();
        if (processor.enabled() && instance == null) {
            waiting.park(session, step, input);
            return;
        }
        try {
            journal.stepStarts();
        } catch (InterruptedException e) {
            return;
        }
        LogContext logContext = LogContext.of(run, session.id, processor.name(), processor.id());
        boolean handedOver = false;
        try {
            session.steps.put(step, new SessionRun.StepState(processor.name(), input.attempt(), null, true));
            EngineContexts.Step context = new EngineContexts.Step(slot.context, session.id, input, content);
            Throwable failure = null;
            FlowObject output = input.object();
            if (processor.enabled()) {
                try {
                    output = execute(instance, input, context);
                } catch (Throwable e) {
                    failure = e;
                }
            }
            if ((failure != null && stopped) || journal.retired()) {
                // interrupted by the stop, or ran on past it (its processor ignored the interrupt): not a failure, and
                // nothing of it is logged or counted; the step is unfinished in the log and runs after the next start
                context.discardOutput();
                return;
            }
            if (failure != null && slot.generation.get() != generation) {
                // the provider went away under the step: not the processor's failure, no retry spent
                context.discardOutput();
                waiting.park(session, step, input);
                return;
            }
            if (failure instanceof StepUnavailableException unavailable) {
                // the world is not ready, the input is not at fault: the session waits, spending no retry
                context.discardOutput();
                waiting.waitFor(session, step, input, unavailable);
                return;
            }
            if (failure != null) {
                context.discardOutput();
                session.waiting.remove(step);
                outcomes.failed(session, slot, input, failure);
                return;
            }
            handedOver = completed(session, step, input, new FlowObject(output.metadata(), session.mark),
                    context.output().orElse(input.contentId()), context.foldersToForce());
        } finally {
            logContext.close();
            if (!handedOver) {
                journal.stepDone(); // a completion handed over leaves the gate once written
            }
        }
    }

    private FlowObject execute(Processor instance, SessionRun.StepInput input, EngineContexts.Step context) throws Exception {
        Thread worker = Thread.currentThread();
        ScheduledFuture<?> watchdog = timeouts.schedule(() -> context.timeOut(worker), options.stepTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        FlowObject output;
        try {
            output = instance.process(input.object(), context);
        } finally {
            boolean timedOut = context.finish();
            watchdog.cancel(false);
            Thread.interrupted();
            if (timedOut) {
                throw new TimeoutException("step exceeded the step timeout of " + options.stepTimeout().toSeconds() + " s");
            }
        }
        if (output == null) {
            throw new IllegalStateException("processor returned no flow object (null)");
        }
        return output;
    }

    /**
     * A step ran: the folders it asked for are forced, then its completion, the starts of the steps it made
     * ready and, when it was the last, the session's end go to the log in one write (one force under
     * {@code always}), then the ready steps run. A folder that cannot be forced fails the session: the step
     * counts as done in the tracker already, and its trigger keeps the source.
     *
     * @return whether the completion was handed to the committer, with the step's place in the gate
     */
    private boolean completed(SessionRun session, UUID step, SessionRun.StepInput input, FlowObject output,
            String outputContent, Set<Path> folders) {
        FlowRun run = session.run;
        ProcessorDefinition processor = run.processors.get(step).definition;
        List<LogEntry> entries = new ArrayList<>();
        entries.add(LogEntry.stepCompleted(session.id, session.flowId, step, processor.name(), outputContent,
                output.metadata(), session.loggedMark, input.attempt()));
        session.holdContent(outputContent);
        session.outputs.put(step, new SessionRun.StepData(output, outputContent));
        session.steps.remove(step);
        if (session.waiting.remove(step) != null) {
            LOG.info("step {} ran after waiting; its session goes on", processor.name());
        }
        Logged logged;
        session.logOrder.lock();
        try {
            logged = countAndLog(session, step, input, processor, entries, folders);
        } finally {
            session.logOrder.unlock();
        }
        logged.then().run(); // what follows may log other sessions' ends: never under this session's order
        return logged.handedOver();
    }

    /** A completion counted and its write made: whether it went to the committer, and what follows once the session's order is released. */
    private record Logged(boolean handedOver, Runnable then) {
        static final Logged NOTHING = new Logged(false, () -> { });
    }

    /** Entries the tracker counted whose write failed, with the steps they make ready and how the session ends if the log refuses them. */
    record Unlogged(List<LogEntry> entries, Map<UUID, SessionRun.StepInput> ready, WhenRejected whenRejected) {
    }

    /** Counts a step's completion in the tracker and logs it, carrying the session's earlier unlogged ones first. Holding the session's log order. */
    private Logged countAndLog(SessionRun session, UUID step, SessionRun.StepInput input, ProcessorDefinition processor,
            List<LogEntry> entries, Set<Path> folders) {
        FlowRun run = session.run;
        StepCompletion completion;
        try {
            // not after the stop forgot the session in the tracker: the next engine may track it again by then
            completion = journal.unlessRetired(() -> tracker.completeStep(session.id, step, run.graph.next(step)));
        } catch (RuntimeException e) {
            // the tracker's steps of the session and the graph disagree (a session recovered on a graph that changed
            // since it started): the completion cannot be counted, so the session fails, never the worker thread
            String error = "step " + processor.name() + " completed, but the branch tracker refused its completion: "
                    + e.getMessage();
            return new Logged(false, () -> {
                LOG.error("session {} failed: {}", session.id, SessionOutcomes.forLog(error));
                outcomes.failSession(session, processor, input, error, false);
            });
        }
        if (completion == null) {
            return Logged.NOTHING; // the engine stopped: nothing counted, the log shows the step started, the next start runs it
        }
        Map<UUID, SessionRun.StepInput> ready = new LinkedHashMap<>();
        Unlogged earlier = session.unlogged;
        session.unlogged = null;
        if (earlier != null) {
            // counted before this one: logged before it, in the same write
            entries.addAll(0, earlier.entries());
            ready.putAll(earlier.ready());
        }
        for (UUID readyStep : completion.readySteps()) {
            SessionRun.StepData data = session.inputOf(readyStep);
            ready.put(readyStep, new SessionRun.StepInput(data.object(), data.contentId(), 0));
            entries.add(session.started(readyStep, data.object(), data.contentId(), 0));
        }
        if (completion.sessionComplete() && session.triggerId == null) {
            entries.add(LogEntry.sessionFinished(session.id, session.flowId, session.loggedMark, ""));
        }
        WhenRejected whenRejected = (rejected, enterGate) -> outcomes.failUnloggable(session, processor, input,
                "the output of step " + processor.name() + " (with the inputs of the steps it makes ready)", rejected, enterGate);
        Consumer<String> whenUnforced = reason -> {
            String error = "step " + processor.name() + " completed, but " + reason;
            LOG.error("session {} failed: {}", session.id, SessionOutcomes.forLog(error));
            outcomes.failSession(session, processor, input, error, false);
        };
        if (completion.sessionComplete()) {
            // the session's last write, shared with the sessions completing meanwhile, and their folders' forces too
            // on the committer thread, each part logs with this session's context
            completions.complete(new SessionCompletions.Completion(entries, folders,
                    written -> withContext(run, session, processor, () -> continueLogged(session, ready, true, false, written)),
                    () -> withContext(run, session, processor, () -> logThenContinue(session, entries, ready, true, false, whenRejected)),
                    reason -> withContext(run, session, processor, () -> whenUnforced.accept(reason))));
            return new Logged(true, () -> { });
        }
        for (Path folder : folders) {
            try {
                folderForces.force(folder);
            } catch (IOException e) {
                return FolderForces.interrupted(e) ? Logged.NOTHING
                        : new Logged(false, () -> whenUnforced.accept(FolderForces.failure(folder, e)));
            } catch (InterruptedException e) {
                return Logged.NOTHING; // stopping: the step is unfinished in the log and runs again after the next start
            }
        }
        return writeCounted(session, new Unlogged(entries, ready, whenRejected), false);
    }

    /**
     * Writes counted completions (a step's completion need not wait for the disk: a crash of the process loses nothing
     * written, and one of the machine runs the step again; the session's last write is forced before anyone hears of
     * its end), unless the session failed meanwhile. A failed write stays with the session, for its next write or a
     * retry; holding the session's log order.
     *
     * @param enterGate whether the caller entered the gate itself (a retry), for what follows once it left
     */
    private Logged writeCounted(SessionRun session, Unlogged counted, boolean enterGate) {
        StepJournal.Written written;
        try {
            // under the session's failing lock, as every other write of its steps: another branch that failed the session
            // since the count logs its end after this write or finds nothing written (a write after the end would make the
            // log take the session as started again)
            synchronized (session.failing) {
                if (session.over()) {
                    return Logged.NOTHING;
                }
                written = journal.appendUnforced(counted.entries(), false);
            }
        } catch (WriteAheadLogException | RuntimeException e) {
            if (e instanceof EntryRejectedException rejected) {
                return new Logged(false, () -> counted.whenRejected().fail(rejected, enterGate));
            }
            if (journal.retired()) {
                return Logged.NOTHING; // the engine stopped: the log shows the steps started, and the next start runs them again
            }
            session.unlogged = counted;
            LOG.error("could not log the next steps of session {}; retrying in {} s: {}", session.id, WAL_RETRY.toSeconds(),
                    e.getMessage());
            later(WAL_RETRY, () -> retryUnlogged(session));
            return Logged.NOTHING;
        } catch (InterruptedException e) {
            return Logged.NOTHING;
        }
        return new Logged(false, () -> continueLogged(session, counted.ready(), false, enterGate, written));
    }

    /**
     * Writes the session's unlogged completions again, unless a later write of the session carried them or the session
     * failed meanwhile (nothing of it is logged after its end, where the log would take it as started again).
     */
    private void retryUnlogged(SessionRun session) {
        try (LogContext context = LogContext.of(session)) {
            try {
                journal.enter(); // before the session's order, as a step holding the gate takes it
            } catch (InterruptedException e) {
                return; // stopping: the steps are started in the log and run again after the next start
            }
            Logged logged = Logged.NOTHING;
            try {
                session.logOrder.lock();
                try {
                    Unlogged unlogged = session.unlogged;
                    session.unlogged = null;
                    if (unlogged != null) {
                        logged = writeCounted(session, unlogged, true);
                    }
                } finally {
                    session.logOrder.unlock();
                }
            } finally {
                journal.leave();
            }
            logged.then().run();
        }
    }

    /**
     * Logs a step's completion and the next starts (and the session's end), then runs them. A failed
     * write is retried until the log takes it: the tracker already counts the step done and its
     * successors pending, and none of them may run unlogged. If the engine stops first, the log
     * still shows the step started, so it runs again after the restart (its unlogged output is swept).
     * Entries the log refuses as they are (too large for it) would be refused forever: {@code whenRejected}
     * (if not null) takes them instead, and fails the session.
     */
    void logThenContinue(SessionRun session, List<LogEntry> entries, Map<UUID, SessionRun.StepInput> ready,
            boolean sessionComplete, boolean enterGate, WhenRejected whenRejected) {
        StepJournal.Written written = StepJournal.Written.NOTHING;
        try {
            if (entries.isEmpty()) {
                // nothing to log (a recovered session whose steps all completed: the log it was read from holds them)
            } else if (!sessionComplete) {
                // a step's completion with the next steps' starts need not wait for the disk: a crash of the process
                // loses nothing written, and one of the machine runs the step again (steps are at least once); the
                // session's last write is forced before anyone hears of its end
                written = journal.appendUnforced(entries, enterGate);
            } else if (enterGate) {
                written = journal.append(entries);
            } else {
                written = journal.appendInside(entries);
            }
        } catch (WriteAheadLogException | RuntimeException e) {
            if (e instanceof EntryRejectedException rejected && whenRejected != null) {
                whenRejected.fail(rejected, enterGate);
                return;
            }
            if (journal.retired()) {
                return; // the engine stopped: the log shows the step started, and the next start runs it again
            }
            LOG.error("could not log the next steps of session {}; retrying in {} s: {}", session.id, WAL_RETRY.toSeconds(),
                    e.getMessage());
            later(WAL_RETRY, () -> {
                try (LogContext context = LogContext.of(session)) {
                    logThenContinue(session, entries, ready, sessionComplete, true, whenRejected);
                }
            });
            return;
        } catch (InterruptedException e) {
            return;
        }
        continueLogged(session, ready, sessionComplete, enterGate, written);
    }

    /**
     * The write is in the log: the ready steps run, and a complete session ends.
     *
     * @param written where the write went
     */
    private void continueLogged(SessionRun session, Map<UUID, SessionRun.StepInput> ready, boolean sessionComplete,
            boolean enterGate, StepJournal.Written written) {
        ready.forEach((step, input) -> dispatch(session, step, input));
        if (sessionComplete) {
            session.stepsLogged = written;
            if (session.triggerId == null) {
                outcomes.ended(session, "", written); // the write held the session's end
            } else {
                outcomes.endTriggered(session, "", enterGate);
            }
        }
    }

    /** Runs work about one step of a session, on whichever thread, with its log context. */
    private static void withContext(FlowRun run, SessionRun session, ProcessorDefinition processor, Runnable work) {
        try (LogContext context = LogContext.of(run, session.id, processor.name(), processor.id())) {
            work.run();
        }
    }
}
