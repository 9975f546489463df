package streamline.runtime.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.TriggerDefinition;

/**
 * Which flows run: follows the flow store ({@link FlowStoreFollower} polls it for flows updated since its last look),
 * activates active flows, deactivates inactive ones and those the store no longer has, and
 * re-activates a changed flow with its new definition. A new version is prepared, and its
 * processors initialised, before the running version is retired: a version refused then leaves the
 * running one in place and is tried again whenever processor providers change. Owns the flow
 * activations ({@link FlowRun}): the active ones, and the retired ones whose sessions still finish.
 */
final class FlowActivation {

    private static final Logger LOG = LogManager.getLogger(FlowActivation.class);

    private final ProcessorRegistry registry;
    private final TriggerRunner triggers;
    private final ScheduledExecutorService scheduler;
    private final RunPreparation preparation;
    /** Told when a run is complete (every processor has an instance): its recovered sessions may resume. */
    private final Consumer<FlowRun> ready;
    private final FlowVersions versions;
    /** Whether a live session names a flow's version (its definition must stay kept). */
    private final BiPredicate<UUID, String> versionInUse;
    private final Supplier<StepJournal.Written> lastWritten;

    private final Map<UUID, FlowRun> activeFlows = new ConcurrentHashMap<>();
    private final Set<FlowRun> retiredFlows = ConcurrentHashMap.newKeySet();
    /** Versions of flows refused when they were prepared, by flow, to try again when providers change. */
    private final Map<UUID, FlowDefinition> refused = new ConcurrentHashMap<>();
    /** Active flows said to have no enabled trigger, so that it is said once while it stays so; under flowLock. */
    private final Set<UUID> withoutTrigger = new HashSet<>();
    private final Object flowLock = new Object();

    private final FlowStoreFollower follower;
    private volatile boolean stopped;

    FlowActivation(EngineOptions options, ProcessorRegistry registry, TriggerRunner triggers, ScheduledExecutorService scheduler,
            RunPreparation preparation, Consumer<FlowRun> ready,
            FlowVersions versions, BiPredicate<UUID, String> versionInUse, Supplier<StepJournal.Written> lastWritten) {
        this.versions = versions;
        this.lastWritten = lastWritten;
        this.versionInUse = versionInUse;
        this.registry = registry;
        this.triggers = triggers;
        this.scheduler = scheduler;
        this.preparation = preparation;
        this.ready = ready;
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
        return List.copyOf(activeFlows.keySet());
    }

    /** The active run of a flow, or null. */
    FlowRun active(UUID flowId) {
        return activeFlows.get(flowId);
    }

    List<FlowRun> activeRuns() {
        return new ArrayList<>(activeFlows.values());
    }

    /** The flows active now, with the processor types each still waits for (empty when running). */
    Map<FlowDefinition, List<String>> activeDefinitions() {
        Map<FlowDefinition, List<String>> flows = new LinkedHashMap<>();
        activeFlows.values().forEach(run -> flows.put(run.definition, run.missingTypes()));
        return flows;
    }

    /** Stops following the store and stops every trigger; the runs stay until {@link #closeAll}. */
    void stopTriggers() {
        stopped = true;
        follower.stop();
        synchronized (flowLock) {
            activeFlows.values().forEach(triggers::stop);
        }
    }

    /** Closes every run (the engine stopped; no step runs any more). */
    void closeAll() {
        synchronized (flowLock) {
            activeFlows.values().forEach(this::closeInstances);
            retiredFlows.forEach(this::closeInstances);
            activeFlows.clear();
            retiredFlows.clear();
            withoutTrigger.clear();
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
            resumeWhenComplete(provided);
        }
    }

    /** @return the run given instances now, whose parked work and recovered sessions resume once flowLock is released */
    private FlowRun reconcileLocked(FlowDefinition flow) {
        if (stopped) {
            return null;
        }
        FlowRun current = activeFlows.get(flow.id());
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
        activeFlows.put(flow.id(), next);
        LOG.info("flow {} ({}) {}", flow.name(), flow.id(), current == null ? "activated" : "re-activated with its new definition");
        warnIfWithoutTrigger(flow);
        return provideLocked(next) ? next : null;
    }

    /**
     * A flow without an enabled trigger runs only the sessions submitted to it: legitimate (a flow fed by the shell or
     * another flow), but more often a trigger forgotten or left disabled, so it is said once while it stays so.
     */
    private void warnIfWithoutTrigger(FlowDefinition flow) {
        if (flow.triggers().stream().anyMatch(TriggerDefinition::enabled)) {
            withoutTrigger.remove(flow.id());
        } else if (withoutTrigger.add(flow.id())) {
            LOG.warn("flow {} ({}) has no enabled trigger: it runs only the sessions submitted to it", flow.name(), flow.id());
        }
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

    /**
     * A run of a flow's earlier version for sessions recovered on it, admitting {@code sessions} of them: a retired run
     * of that version still open, or one built from the definition kept for it ({@link FlowVersions}), retired from the
     * start (its triggers are never called; their instances hear of its sessions' ends) and closed with its last session.
     *
     * @return null if the definition of that version is not kept
     * @throws IOException if it is kept but cannot be read
     * @throws IllegalArgumentException if it no longer makes a valid run
     */
    FlowRun runOfVersion(UUID flowId, String version, int sessions) throws IOException {
        synchronized (flowLock) {
            for (FlowRun open : retiredFlows) {
                if (open.id().equals(flowId) && version.equals(open.version) && admitAll(open, sessions)) {
                    return open;
                }
            }
        }
        FlowDefinition kept = versions.read(flowId, version);
        if (kept == null) {
            return null;
        }
        FlowRun run = preparation.prepare(kept, version, true);
        synchronized (flowLock) {
            if (!stopped) {
                try {
                    run.provideInstances(registry);
                } catch (RuntimeException | StackOverflowError | LinkageError e) {
                    run.releaseInstances();
                    throw new IllegalArgumentException(run + " cannot run: " + e.getMessage(), e);
                }
            }
            retiredFlows.add(run);
            admitAll(run, sessions);
            LOG.info("{} runs again for {} sessions recovered on it; the flow has another definition now", run, sessions);
        }
        return run;
    }

    private static boolean admitAll(FlowRun run, int sessions) {
        for (int i = 0; i < sessions; i++) {
            if (!run.admitRecovered()) {
                return false; // only the first can be refused: the run is closed
            }
        }
        return true;
    }

    void deactivate(UUID flowId, String why) {
        synchronized (flowLock) {
            FlowRun run = activeFlows.remove(flowId);
            withoutTrigger.remove(flowId);
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
            retiredFlows.add(run);
        }
    }

    /**
     * Gives a run instances for every slot that lacks one and has a provider; starts its triggers
     * and resumes its recovered sessions once it is complete.
     */
    private void provide(FlowRun run) {
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
    private boolean provideLocked(FlowRun run) {
        if (run.closed || stopped) {
            return false;
        }
        try {
            run.provideInstances(registry);
        } catch (IllegalStateException e) {
            LOG.error("{} cannot run: {}", run, e.getMessage());
            if (!run.retired) {
                activeFlows.remove(run.id());
                withoutTrigger.remove(run.id());
                retire(run);
            }
            return false;
        }
        warnUnknownKeys(run);
        if (!run.ready()) {
            LOG.warn("{} waits for processor types without a provider: {}", run, run.missingTypes());
            return false;
        }
        if (!run.retired && !run.triggersStarted) {
            triggers.start(run);
        }
        return true;
    }

    /** Warns about the keys of the run's flow that its types do not declare, once per flow version (whoever checked first). */
    private void warnUnknownKeys(FlowRun run) {
        try {
            registry.declared.check(run.definition);
        } catch (InvalidFlowException e) {
            // its instances were checked as they were made: a mistake there kept them from being made
        } catch (RuntimeException e) {
            LOG.warn("{}: cannot check its keys against what its types declare: {}", run, e.toString());
        }
    }

    /**
     * A complete run's parked steps and ends, and its recovered sessions, go on. Never under flowLock: they log, so
     * they enter the journal's gate, which comes before flowLock (a switch of logs holding the gate closed would
     * otherwise hold flowLock too, and with it a stop and every step whose end closes a retired run).
     */
    private void resumeWhenComplete(FlowRun run) {
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
            retiredFlows.remove(run);
            triggers.stop(run);
            // a trigger call still in progress keeps its instance until it returned and heard of its items
            run.releaseInstancesAfterCalls();
            if (!stopped) {
                forgetVersionUnlessNeeded(run);
            }
        }
    }

    /**
     * Deletes the kept definition of a closed run's version once no open run and no live session needs it. The end of
     * its last session may be in a write the log has not made durable yet (sync {@code interval}, an unforced end): a
     * crash would bring that session back, needing the definition, so it goes only once what was written so far is
     * durable. If the log fails or closes first, the next start's sweep decides. Under flowLock.
     */
    private void forgetVersionUnlessNeeded(FlowRun closed) {
        if (closed.version == null || versionNeeded(closed)) {
            return;
        }
        lastWritten.get().durable().whenCompleteAsync((ignored, failure) -> {
            if (failure != null) {
                return;
            }
            synchronized (flowLock) {
                if (stopped || versionNeeded(closed)) {
                    return;
                }
                try {
                    versions.delete(closed.id(), closed.version);
                } catch (IOException | RuntimeException e) {
                    // deleted at the next start, which keeps only the versions unfinished sessions name
                    LOG.warn("the kept definition of {} could not be deleted: {}", closed, e.toString());
                }
            }
        }, scheduler);
    }

    /** Whether an open run or a live session still uses the closed run's version. Under flowLock. */
    private boolean versionNeeded(FlowRun closed) {
        FlowRun active = activeFlows.get(closed.id());
        return active != null && closed.version.equals(active.version)
                || retiredFlows.stream().anyMatch(run -> run.id().equals(closed.id()) && closed.version.equals(run.version))
                || versionInUse.test(closed.id(), closed.version);
    }

    /** Providers came: runs missing instances get them, and refused versions are tried again. */
    void providersAdded() {
        List<FlowRun> runs = new ArrayList<>(activeFlows.values());
        runs.addAll(retiredFlows);
        runs.forEach(this::provide);
        reconsiderRefused();
    }

    /** A provider left: its instances are dropped; their flows stop taking items and their steps wait. */
    void providerRemoved(ProcessorRegistry.Provider<?> provider) {
        synchronized (flowLock) {
            List<FlowRun> runs = new ArrayList<>(activeFlows.values());
            runs.addAll(retiredFlows);
            for (FlowRun run : runs) {
                if (run.dropInstancesOf(provider)) {
                    triggers.stop(run);
                }
            }
        }
    }
}
