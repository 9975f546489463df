package streamline.runtime.engine;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Gives the runs processor instances as providers come and go: a run that becomes complete starts its triggers and
 * its parked work and recovered sessions go on; a provider that leaves takes its instances, and their runs' triggers
 * stop. Separate from {@link FlowActivation}, which decides which version of a flow runs: this follows the providers,
 * whatever version runs.
 */
final class InstanceProvision {

    /** Logs as the flow activation did: a run that cannot run is one of its activations. */
    private static final Logger LOG = LogManager.getLogger(FlowActivation.class);

    private final FlowRuns runs;
    private final Object flowLock;
    private final ProcessorRegistry registry;
    private final TriggerRunner triggers;
    private final ScheduledExecutorService scheduler;
    private final FlowWarnings warnings;
    /** Told when a run is complete (every processor has an instance): its recovered sessions may resume. */
    private final Consumer<FlowRun> ready;
    /** Told, under flowLock, of an active run whose instances cannot be made: it is retired. */
    private final Consumer<FlowRun> cannotRun;
    /** Whether the activation stopped: no run gets instances then. */
    private final BooleanSupplier stopped;

    InstanceProvision(FlowRuns runs, ProcessorRegistry registry, TriggerRunner triggers, ScheduledExecutorService scheduler,
            FlowWarnings warnings, Consumer<FlowRun> ready, Consumer<FlowRun> cannotRun, BooleanSupplier stopped) {
        this.runs = runs;
        this.flowLock = runs.lock;
        this.registry = registry;
        this.triggers = triggers;
        this.scheduler = scheduler;
        this.warnings = warnings;
        this.ready = ready;
        this.cannotRun = cannotRun;
        this.stopped = stopped;
    }

    /**
     * Gives a run instances for every slot that lacks one and has a provider; starts its triggers
     * and resumes its recovered sessions once it is complete.
     */
    void provide(FlowRun run) {
        boolean complete;
        synchronized (flowLock) {
            complete = provideLocked(run);
        }
        if (complete) {
            resumeWhenComplete(run);
        }
    }

    /**
     * {@link #provide} under flowLock, which the caller holds.
     *
     * @return whether the run is complete: the caller resumes its work with {@link #resumeWhenComplete} once it
     *         released flowLock
     */
    boolean provideLocked(FlowRun run) {
        if (run.closed || stopped.getAsBoolean()) {
            return false;
        }
        try {
            run.provideInstances(registry);
        } catch (IllegalStateException e) {
            LOG.error("{} cannot run: {}", run, e.getMessage());
            if (!run.retired) {
                cannotRun.accept(run);
            }
            return false;
        }
        warnings.warnUnknownKeys(run);
        if (!run.ready()) {
            LOG.warn("{} waits for processor types without a provider: {}", run, run.missingTypes());
            return false;
        }
        if (!run.retired && !run.triggersStarted) {
            triggers.start(run);
        }
        return true;
    }

    /**
     * A complete run's parked steps and ends, and its recovered sessions, go on. Never under flowLock: they log, so
     * they enter the journal's gate, which comes before flowLock (a switch of logs holding the gate closed would
     * otherwise hold flowLock too, and with it a stop and every step whose end closes a retired run).
     */
    void resumeWhenComplete(FlowRun run) {
        if (Thread.holdsLock(flowLock)) {
            // called back from inside an activation (a provider registered while an instance was made): later
            try {
                scheduler.execute(() -> resumeWhenComplete(run));
            } catch (RejectedExecutionException e) {
                // stopping: recovered sessions resume after the next start
            }
            return;
        }
        run.releaseParked();
        if (!run.retired || run.forRecovery) {
            ready.accept(run);
        }
    }

    /** Providers came: runs missing instances get them. */
    void providersAdded() {
        runs.all().forEach(this::provide);
    }

    /** A provider left: its instances are dropped; their flows stop taking items and their steps wait. */
    void providerRemoved(ProcessorRegistry.Provider<?> provider) {
        synchronized (flowLock) {
            for (FlowRun run : runs.all()) {
                if (run.dropInstancesOf(provider)) {
                    triggers.stop(run);
                }
            }
        }
    }
}
