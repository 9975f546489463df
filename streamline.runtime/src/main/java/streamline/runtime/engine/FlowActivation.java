package streamline.runtime.engine;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;

/**
 * Which flows run: follows the flow store ({@link FlowStoreFollower} polls it for flows updated since its last look),
 * activates active flows, deactivates inactive ones and those the store no longer has, and
 * re-activates a changed flow with its new definition. A new version is prepared, and its
 * processors initialised, before the running version is retired: a version refused then leaves the
 * running one in place and is tried again whenever processor providers change. Owns the flow
 * activations ({@link FlowRuns}): the active ones, and the retired ones whose sessions still finish. Its parts:
 * {@link InstanceProvision} gives runs instances as providers come and go, {@link RecoveredVersionRuns} makes runs of
 * earlier versions for recovered sessions, {@link KeptVersionRelease} deletes kept definitions no longer needed, and
 * {@link FlowWarnings} says once what may be a mistake.
 */
final class FlowActivation {

    private static final Logger LOG = LogManager.getLogger(FlowActivation.class);

    private final ProcessorRegistry registry;
    private final TriggerRunner triggers;
    private final RunPreparation preparation;
    private final FlowVersions versions;

    private final FlowRuns runs = new FlowRuns();
    private final Object flowLock = runs.lock;
    /** Versions of flows refused when they were prepared, by flow, to try again when providers change. */
    private final Map<UUID, FlowDefinition> refused = new ConcurrentHashMap<>();
    /** Under flowLock. */
    private final FlowWarnings warnings;
    private final InstanceProvision provision;
    private final RecoveredVersionRuns recoveredRuns;
    private final KeptVersionRelease release;

    private final FlowStoreFollower follower;
    private volatile boolean stopped;

    FlowActivation(EngineOptions options, ProcessorRegistry registry, TriggerRunner triggers, ScheduledExecutorService scheduler,
            RunPreparation preparation, Consumer<FlowRun> ready,
            FlowVersions versions, BiPredicate<UUID, String> versionInUse, Supplier<StepJournal.Written> lastWritten) {
        this.versions = versions;
        this.registry = registry;
        this.triggers = triggers;
        this.preparation = preparation;
        this.warnings = new FlowWarnings(registry);
        this.provision = new InstanceProvision(runs, registry, triggers, scheduler, warnings, ready, this::cannotRun, this::stopped);
        this.recoveredRuns = new RecoveredVersionRuns(runs, versions, preparation, registry, this::stopped);
        this.release = new KeptVersionRelease(runs, versions, versionInUse, lastWritten, scheduler, this::stopped);
        this.follower = new FlowStoreFollower(options, scheduler, this);
    }

    /** Starts following a flow store. */
    void start(FlowManager flows) {
        follower.start(flows);
    }

    FlowManager store() {
        return follower.store();
    }

    /** Follows another flow store from now on: every flow is read again from it, at once. */
    void follow(FlowManager flows) {
        follower.follow(flows);
    }

    boolean stopped() {
        return stopped;
    }

    /** The flows with an active run now. */
    List<UUID> activeIds() {
        return runs.activeIds();
    }

    /** The active run of a flow, or null. */
    FlowRun active(UUID flowId) {
        return runs.active(flowId);
    }

    List<FlowRun> activeRuns() {
        return runs.activeRuns();
    }

    /** The flows active now, with the processor types each still waits for (empty when running). */
    Map<FlowDefinition, List<String>> activeDefinitions() {
        return runs.activeDefinitions();
    }

    /** Stops following the store and stops every trigger; the runs stay until {@link #closeAll}. */
    void stopTriggers() {
        stopped = true;
        follower.stop();
        synchronized (flowLock) {
            runs.activeRuns().forEach(triggers::stop);
        }
    }

    /** Closes every run (the engine stopped; no step runs any more). */
    void closeAll() {
        synchronized (flowLock) {
            runs.activeRuns().forEach(this::closeInstances);
            runs.retired().forEach(this::closeInstances);
            runs.clear();
            warnings.clear();
        }
    }

    /**
     * Brings one flow of the store into effect. A new version is prepared and its processors are
     * initialised before the running version is retired: a version refused at that point leaves the
     * running one in place, and is tried again when processor providers change (a provider whose
     * operator configuration changed is registered anew).
     */
    private void reconcile(FlowDefinition flow) {
        FlowRun provided;
        synchronized (flowLock) {
            provided = reconcileLocked(flow);
        }
        if (provided != null) {
            provision.resumeWhenComplete(provided);
        }
    }

    /** @return the run given instances now, whose parked work and recovered sessions resume once flowLock is released */
    private FlowRun reconcileLocked(FlowDefinition flow) {
        if (stopped) {
            return null;
        }
        FlowRun current = runs.active(flow.id());
        if (!flow.active()) {
            refused.remove(flow.id());
            if (current != null) {
                deactivate(flow.id(), "it was set inactive");
            }
            return null;
        }
        if (current != null && current.definition.equalsIgnoringLastUpdated(flow)) {
            // the very same definition (saved again, or carried into another store): nothing to restart
            current.resaved(flow);
            refused.remove(flow.id());
            return null;
        }
        FlowRun next;
        try {
            next = preparation.prepare(flow, versions.versionOf(flow), false);
        } catch (IllegalArgumentException e) {
            refuse(flow, current, e);
            return null;
        }
        try {
            next.provideInstances(registry);
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            next.releaseInstances();
            refuse(flow, current, e);
            return null;
        }
        refused.remove(flow.id());
        if (current != null) {
            retire(current);
        }
        runs.activate(flow.id(), next);
        LOG.info("flow {} ({}) {}", flow.name(), flow.id(), current == null ? "activated" : "re-activated with its new definition");
        warnings.warnIfWithoutTrigger(flow);
        return provision.provideLocked(next) ? next : null;
    }

    /** Remembers a version refused at its preparation, to try it again when providers change, and says why. */
    private void refuse(FlowDefinition flow, FlowRun current, Throwable why) {
        refused.put(flow.id(), flow);
        LOG.error("flow {} ({}) not activated{}: {}", flow.name(), flow.id(),
                current == null ? "" : "; its previous version keeps running", why.getMessage() == null ? why.toString() : why.getMessage());
    }

    /** Tries again the flow versions refused at their preparation, after a change that may let them start. */
    private void reconsiderRefused() {
        for (FlowDefinition flow : List.copyOf(refused.values())) {
            reconcileSafely(flow);
        }
    }

    /** Reconciles one flow; whatever goes wrong with it is logged with the flow and never stops the caller's loop. */
    void reconcileSafely(FlowDefinition flow) {
        try {
            reconcile(flow);
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            refused.put(flow.id(), flow);
            LOG.error("flow {} ({}) could not be brought into effect; other flows go on: {}", flow.name(), flow.id(), e.toString(), e);
        }
    }

    /** A run of a flow's earlier version for sessions recovered on it: see {@link RecoveredVersionRuns#runOfVersion}. */
    FlowRun runOfVersion(UUID flowId, String version, int sessions) throws IOException {
        return recoveredRuns.runOfVersion(flowId, version, sessions);
    }

    void deactivate(UUID flowId, String why) {
        synchronized (flowLock) {
            FlowRun run = runs.deactivate(flowId);
            warnings.inactive(flowId);
            if (run != null) {
                LOG.info("{} deactivated: {}", run, why);
                retire(run);
            }
        }
    }

    /** Stops a run's triggers; its sessions finish, and its instances close with the last of them. */
    private void retire(FlowRun run) {
        boolean idle = run.retire();
        triggers.stop(run);
        if (idle) {
            closeInstances(run);
        } else {
            runs.keepRetired(run);
        }
    }

    /** An active run whose instances cannot be made stops being active (under flowLock). */
    private void cannotRun(FlowRun run) {
        runs.deactivate(run.id());
        warnings.inactive(run.id());
        retire(run);
    }

    /** A retired run lost its last session: it closes, unless a recovered session was admitted to it meanwhile. */
    void closeIdle(FlowRun run) {
        synchronized (flowLock) {
            if (run.sessions.get() == 0) {
                closeInstances(run);
            }
        }
    }

    /** Closes a run for good: its triggers stop, its instances are given back. */
    void closeInstances(FlowRun run) {
        synchronized (flowLock) {
            if (run.closed) {
                return;
            }
            run.closed = true;
            runs.closed(run);
            triggers.stop(run);
            // a trigger call still in progress keeps its instance until it returned and heard of its items
            run.releaseInstancesAfterCalls();
            if (!stopped) {
                release.forgetVersionUnlessNeeded(run);
            }
        }
    }

    /** Providers came: runs missing instances get them, and refused versions are tried again. */
    void providersAdded() {
        provision.providersAdded();
        reconsiderRefused();
    }

    /** A provider left: its instances are dropped; their flows stop taking items and their steps wait. */
    void providerRemoved(ProcessorRegistry.Provider<?> provider) {
        provision.providerRemoved(provider);
    }
}
