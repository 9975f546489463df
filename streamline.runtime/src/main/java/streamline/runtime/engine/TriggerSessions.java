package streamline.runtime.engine;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import streamline.api.engine.TriggerCoordinator;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.TriggerResult;

/**
 * What the triggers see of the engine's sessions: how many of a flow are in progress, starting a trigger's items,
 * telling the ends queued while a call ran, the coordinator, and whether the engine stopped.
 */
final class TriggerSessions implements TriggerRunner.Sessions {

    private final ScheduledExecutorService scheduler;
    private final Supplier<TriggerCoordinator> coordinator;
    private final BooleanSupplier stopped;
    // set once by the engine's constructor, before any trigger runs (the parts are made after the triggers' runner)
    private LiveSessions live;
    private SessionStarts starts;
    private SessionOutcomes outcomes;

    TriggerSessions(ScheduledExecutorService scheduler, Supplier<TriggerCoordinator> coordinator, BooleanSupplier stopped) {
        this.scheduler = scheduler;
        this.coordinator = coordinator;
        this.stopped = stopped;
    }

    /** The parts sessions start and end in; set once, before the first trigger runs. */
    void parts(LiveSessions liveSessions, SessionStarts sessionStarts, SessionOutcomes sessionOutcomes) {
        this.live = liveSessions;
        this.starts = sessionStarts;
        this.outcomes = sessionOutcomes;
    }

    @Override
    public int inProgress(UUID flowId) {
        return live.inProgress(flowId);
    }

    @Override
    public List<ItemOutcome> start(FlowRun run, UUID triggerId, List<TriggerResult> items) {
        return starts.start(run, triggerId, items);
    }

    @Override
    public void callDone(FlowRun.TriggerSlot slot) {
        // not on the trigger's thread: it is interrupted when its flow stops taking items, which must not
        // interrupt the log writes of the ends it would tell
        if (slot.endsToTell.isEmpty()) {
            return; // the usual case: an event trigger's loop calls many times for each end
        }
        try {
            scheduler.execute(() -> outcomes.tellWhenFree(slot, true));
        } catch (RejectedExecutionException e) {
            // stopping: the ends are told again after the next start
        }
    }

    @Override
    public TriggerCoordinator coordinator() {
        return coordinator.get();
    }

    @Override
    public boolean stopped() {
        return stopped.getAsBoolean();
    }
}
