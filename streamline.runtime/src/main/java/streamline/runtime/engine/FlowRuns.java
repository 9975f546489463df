package streamline.runtime.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import streamline.api.flow.FlowDefinition;

/**
 * The flows' runs ({@link FlowRun}): the active run of each active flow, and the retired runs whose sessions still
 * finish, with the flow lock under which they change (after the journal's gate in the lock order). Separate from
 * {@link FlowActivation}, which decides what runs, so that the parts it hands work to ({@link RecoveredVersionRuns},
 * {@link KeptVersionRelease}) read the same runs under the same lock. Reads of one collection need no lock (they are
 * concurrent); {@link #all} reads both, so it takes it.
 */
final class FlowRuns {

    /** The flow lock: every change of the runs, and every decision made on what they are, is made holding it. */
    final Object lock = new Object();
    private final Map<UUID, FlowRun> active = new ConcurrentHashMap<>();
    private final Set<FlowRun> retired = ConcurrentHashMap.newKeySet();

    /** The flows with an active run now. */
    List<UUID> activeIds() {
        return List.copyOf(active.keySet());
    }

    /** The active run of a flow, or null. */
    FlowRun active(UUID flowId) {
        return active.get(flowId);
    }

    List<FlowRun> activeRuns() {
        return new ArrayList<>(active.values());
    }

    /**
     * The active runs, then the retired ones still open. Read under the lock: a deactivated run leaves the active ones
     * before it joins the retired ones, and a reader in between would miss it (a provider coming back then would give
     * it no instances, and the steps parked on it would wait for good).
     */
    List<FlowRun> all() {
        synchronized (lock) {
            List<FlowRun> runs = new ArrayList<>(active.values());
            runs.addAll(retired);
            return runs;
        }
    }

    /** The retired runs still open; a live view, which changes as they close. */
    Set<FlowRun> retired() {
        return Collections.unmodifiableSet(retired);
    }

    /** A retired run stays open while its sessions finish. Under the lock. */
    void keepRetired(FlowRun run) {
        retired.add(run);
    }

    /** A retired run closed. Under the lock. */
    void closed(FlowRun run) {
        retired.remove(run);
    }

    /** The flows active now, with the processor types each still waits for (empty when running). */
    Map<FlowDefinition, List<String>> activeDefinitions() {
        Map<FlowDefinition, List<String>> flows = new LinkedHashMap<>();
        active.values().forEach(run -> flows.put(run.definition, run.missingTypes()));
        return flows;
    }

    /** Makes {@code run} the flow's active run. Under the lock. */
    void activate(UUID flowId, FlowRun run) {
        active.put(flowId, run);
    }

    /** @return the flow's active run, which is no longer active, or null. Under the lock. */
    FlowRun deactivate(UUID flowId) {
        return active.remove(flowId);
    }

    /** Whether an open run of the flow, active or retired, runs its version {@code version}. Under the lock. */
    boolean versionOpen(UUID flowId, String version) {
        FlowRun current = active.get(flowId);
        return current != null && version.equals(current.version)
                || retired.stream().anyMatch(run -> run.id().equals(flowId) && version.equals(run.version));
    }

    /** Forgets every run (they were closed). Under the lock. */
    void clear() {
        active.clear();
        retired.clear();
    }
}
