package streamline.torture;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import streamline.api.engine.SessionUpdate;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;

/**
 * Trigger {@code TortureSource}: follows the exactly-once pattern of {@link TriggerProcessor} over a {@link Source}:
 * emits every item it has not seen end and has not emitted itself (unless that came back not started), acknowledges
 * only in {@code sessionEnded}. Reports being told an end during its own call.
 */
final class TortureTrigger implements TriggerProcessor {

    static final String TYPE = "TortureSource";
    /** The same over a cron schedule: called on each tick of its flow's cron expression. */
    static final String CRON_TYPE = "TortureCronSource";
    private static final int MAX_BATCH = 8;
    /** A cron trigger is called once per tick: it takes more at a time. */
    private static final int MAX_CRON_BATCH = 32;

    private final World world;
    private final Disk.Generation generation;
    private final boolean cron;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean inCall = new AtomicBoolean();
    private volatile Source source;

    TortureTrigger(World world, Disk.Generation generation, boolean cron) {
        this.world = world;
        this.generation = generation;
        this.cron = cron;
    }

    @Override
    public ScheduleType scheduleType() {
        return cron ? ScheduleType.CRON : ScheduleType.EVENT;
    }

    @Override
    public void init(streamline.api.processor.ProcessorContext context) {
        source = world.source(context.flowName());
    }

    @Override
    public List<TriggerResult> trigger(TriggerContext context) throws Exception {
        inCall.set(true);
        try {
            if (generation.dead) {
                return List.of();
            }
            if (cron) {
                world.cronCalled(source.flow, generation, java.time.Instant.now());
            }
            source.maybeHold();
            List<TriggerResult> results = new ArrayList<>();
            for (Item item : source.pending(inFlight, Math.min(cron ? MAX_CRON_BATCH : MAX_BATCH, context.capacity()))) {
                if (results.size() >= context.capacity()) {
                    break;
                }
                inFlight.add(item.mark());
                note(item.mark(), "emitted");
                results.add(result(item));
                if (item.repeated() && results.size() < context.capacity()) {
                    results.add(result(item));
                }
            }
            return results;
        } finally {
            inCall.set(false);
        }
    }

    private static TriggerResult result(Item item) {
        byte[] content = item.content();
        return new TriggerResult(Map.of("name", item.mark(), "plan", item.plan()), item.mark(),
                content == null ? null : () -> new ByteArrayInputStream(content));
    }

    @Override
    public void itemsReceived(List<ItemOutcome> outcomes) {
        for (ItemOutcome outcome : outcomes) {
            note(outcome.item().triggerMark(), outcome.status() + (outcome.sessionId() == null ? "" : " " + outcome.sessionId())
                    + (outcome.reason().isEmpty() ? "" : ": " + outcome.reason()));
        }
        world.whileAlive(generation, () -> {
            for (ItemOutcome outcome : outcomes) {
                String mark = outcome.item().triggerMark();
                if (outcome.status() == ItemOutcome.Status.NOT_STARTED) {
                    inFlight.remove(mark);
                } else if (outcome.status() == ItemOutcome.Status.STARTED) {
                    source.started(outcome.sessionId(), mark);
                    world.sessionIds.add(outcome.sessionId().toString());
                }
            }
        });
    }

    /** Notes an event of a mark with this instance and the operation the schedule is at. */
    private void note(String mark, String event) {
        source.note(mark, "op " + world.operation + ", generation " + generation.number + (generation.dead ? " (dead)" : "")
                + ", trigger@" + Integer.toHexString(System.identityHashCode(this)) + ": " + event);
    }

    @Override
    public void sessionEnded(SessionUpdate update) {
        if (inCall.get()) {
            world.violation("trigger of " + source.flow + " (generation " + generation.number + ") was told the end of session "
                    + update.sessionId() + " (" + update.triggerMark() + ") during its own trigger() call");
        }
        note(update.triggerMark(), "told the end of " + update.sessionId() + (update.error().isEmpty() ? " (succeeded)"
                : " (failed: " + update.error() + ")"));
        boolean[] throwNow = {false};
        world.whileAlive(generation, () -> {
            source.acknowledge(update.triggerMark(), update.sessionId(), update.error());
            inFlight.remove(update.triggerMark());
            throwNow[0] = source.throwAtEnd(update.triggerMark());
        });
        if (throwNow[0]) {
            throw new AssertionError("planned Error from sessionEnded of " + update.triggerMark());
        }
    }
}
