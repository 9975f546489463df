package streamline.runtime.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.engine.SessionListener;
import streamline.api.engine.TriggerCoordinator;
import streamline.api.track.BranchTracker;

import streamline.runtime.content.ContentStore;
import streamline.runtime.expressions.ExpressionEvaluator;

/**
 * The engine's parts, made once and each handed what it uses, in the order their constructors need them (Sling's
 * {@code QueueServices} in spirit). Separate from {@link StreamlineEngine}, which keeps the order of starting and
 * stopping and answers its API: which part knows which is decided here alone.
 */
final class EngineParts {

    /** How much longer than a step may take a switch of logs waits for running steps. */
    private static final Duration SWAP_SLACK = Duration.ofSeconds(30);

    final ContentStore content;
    final FailedSessionStore failed;
    final EngineThreads threads;
    final StepJournal journal;
    final LiveSessions live;
    final FlowActivation flows;
    final StepRunner runner;
    final SessionOutcomes outcomes;
    final SessionStarts starts;
    final Recovery recovery;
    final Switches switches;
    final FailedSessionRetries retries;
    final LogAdoption adoption;

    /**
     * @param coordinator the trigger coordinator set on the engine now, or null
     * @param stopped whether the engine stopped
     */
    EngineParts(EngineOptions options, BranchTracker tracker, ProcessorRegistry registry, List<SessionListener> listeners,
            Supplier<TriggerCoordinator> coordinator, BooleanSupplier stopped) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path work = options.workDirectory();
        this.content = new ContentStore(work.resolve("content"));
        this.failed = new FailedSessionStore(work.resolve("failed"), json);
        FlowVersions versions = new FlowVersions(work);
        RetryBackoff backoff = new RetryBackoff(options.retryBackoff(), options.retryBackoffCap());
        this.threads = new EngineThreads(options);

        this.journal = new StepJournal(options.stepTimeout().plus(SWAP_SLACK));
        TriggerSessions triggerSessions = new TriggerSessions(threads.scheduler, coordinator, stopped);
        TriggerRunner triggers = new TriggerRunner(options, threads.scheduler, threads.triggerThreads, triggerSessions);
        // the parts, each handed what it uses; a run that becomes complete resumes its recovered sessions
        RunPreparation preparation = new RunPreparation(backoff, new StepWaits(options.waitBackoffMax()),
                new ExpressionEvaluator(options.envInExpressions()), work.resolve("state"), json);
        this.flows = new FlowActivation(options, registry, triggers, threads.scheduler, preparation, this::resumeRecovered,
                versions, this::versionInUse, journal::lastWritten);
        this.live = new LiveSessions(flows::closeIdle);
        this.runner = new StepRunner(options, journal, tracker, content, threads.workers, threads.scheduler,
                threads.timeLimits, threads.committer);
        this.outcomes = new SessionOutcomes(live, flows, journal, tracker, content, failed, backoff, listeners, runner);
        runner.outcomes(outcomes);
        this.starts = new SessionStarts(live, content, tracker, journal, runner, versions);
        triggerSessions.parts(live, starts, outcomes);
        this.recovery = new Recovery(live, flows, tracker, runner, outcomes);
        this.retries = new FailedSessionRetries(failed, flows, starts, live::contains);
        this.switches = new Switches(journal, flows, new InUseRecord(work, json), recovery);
        this.adoption = new LogAdoption(content, versions, recovery, retries);
        registry.listen(new ProcessorRegistry.Listener() {
            @Override
            public void added() {
                flows.providersAdded();
            }

            @Override
            public void removed(ProcessorRegistry.Provider<?> provider) {
                flows.providerRemoved(provider);
            }
        });
    }

    /** Whether a live session started on a version of a flow (its kept definition stays). */
    private boolean versionInUse(UUID flowId, String version) {
        return live.usesVersion(flowId, version);
    }

    /** A flow's run became complete: its recovered sessions resume. */
    private void resumeRecovered(FlowRun run) {
        recovery.resume(run);
    }
}
