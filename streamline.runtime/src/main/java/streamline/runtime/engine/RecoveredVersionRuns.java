package streamline.runtime.engine;

import java.io.IOException;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;

/**
 * Runs of a flow's earlier versions for the sessions recovered on them. Separate from {@link FlowActivation}, which
 * brings the store's current definitions into effect: these runs come from the definitions kept for unfinished
 * sessions ({@link FlowVersions}), are retired from the start and never start triggers.
 */
final class RecoveredVersionRuns {

    /** Logs as the flow activation did: a run of an earlier version is one of its activations. */
    private static final Logger LOG = LogManager.getLogger(FlowActivation.class);

    private final FlowRuns runs;
    private final FlowVersions versions;
    private final RunPreparation preparation;
    private final ProcessorRegistry registry;
    /** Whether the activation stopped: a run made then gets no instances. */
    private final BooleanSupplier stopped;

    RecoveredVersionRuns(FlowRuns runs, FlowVersions versions, RunPreparation preparation, ProcessorRegistry registry,
            BooleanSupplier stopped) {
        this.runs = runs;
        this.versions = versions;
        this.preparation = preparation;
        this.registry = registry;
        this.stopped = stopped;
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
        synchronized (runs.lock) {
            for (FlowRun open : runs.retired()) {
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
        synchronized (runs.lock) {
            if (!stopped.getAsBoolean()) {
                try {
                    run.provideInstances(registry);
                } catch (RuntimeException | StackOverflowError | LinkageError e) {
                    run.releaseInstances();
                    throw new IllegalArgumentException(run + " cannot run: " + e.getMessage(), e);
                }
            }
            runs.keepRetired(run);
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
}
