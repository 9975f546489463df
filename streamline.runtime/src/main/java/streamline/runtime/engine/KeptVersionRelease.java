package streamline.runtime.engine;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Deletes the kept definition of a closed run's version once nothing needs it. Separate from {@link FlowActivation},
 * which closes runs: whether a version is still needed depends on the open runs, the live sessions and what the log
 * has made durable, and the deletion waits for the log.
 */
final class KeptVersionRelease {

    /** Logs as the flow activation did: the deletion follows the close of one of its runs. */
    private static final Logger LOG = LogManager.getLogger(FlowActivation.class);

    private final FlowRuns runs;
    private final FlowVersions versions;
    /** Whether a live session names a flow's version (its definition must stay kept). */
    private final BiPredicate<UUID, String> versionInUse;
    private final Supplier<StepJournal.Written> lastWritten;
    private final ScheduledExecutorService scheduler;
    /** Whether the activation stopped: the next start's sweep decides then. */
    private final BooleanSupplier stopped;

    KeptVersionRelease(FlowRuns runs, FlowVersions versions, BiPredicate<UUID, String> versionInUse,
            Supplier<StepJournal.Written> lastWritten, ScheduledExecutorService scheduler, BooleanSupplier stopped) {
        this.runs = runs;
        this.versions = versions;
        this.versionInUse = versionInUse;
        this.lastWritten = lastWritten;
        this.scheduler = scheduler;
        this.stopped = stopped;
    }

    /**
     * Deletes the kept definition of a closed run's version once no open run and no live session needs it. The end of
     * its last session may be in a write the log has not made durable yet (sync {@code interval}, an unforced end): a
     * crash would bring that session back, needing the definition, so it goes only once what was written so far is
     * durable. If the log fails or closes first, the next start's sweep decides. Under the flow lock.
     */
    void forgetVersionUnlessNeeded(FlowRun closed) {
        if (closed.version == null || versionNeeded(closed)) {
            return;
        }
        lastWritten.get().durable().whenCompleteAsync((ignored, failure) -> {
            if (failure != null) {
                return;
            }
            synchronized (runs.lock) {
                if (stopped.getAsBoolean() || versionNeeded(closed)) {
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

    /** Whether an open run or a live session still uses the closed run's version. Under the flow lock. */
    private boolean versionNeeded(FlowRun closed) {
        return runs.versionOpen(closed.id(), closed.version) || versionInUse.test(closed.id(), closed.version);
    }
}
