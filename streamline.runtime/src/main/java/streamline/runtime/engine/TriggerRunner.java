package streamline.runtime.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.engine.EngineException;
import streamline.api.engine.TriggerCoordinator;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.TriggerResult;

import streamline.runtime.triggers.CronTicks;
import streamline.runtime.triggers.Ticks;
import streamline.runtime.triggers.TriggerThreads;

/**
 * Calls the triggers of flow runs: cron triggers on their schedule, event triggers again and again.
 * Either way each call is a task on the trigger threads (so a hanging trigger delays only itself), and
 * the next is a task on the engine's scheduler: no trigger holds a thread between calls, so a thousand
 * idle flows cost a few threads, not a thousand. An event trigger is called again at once after it
 * brought items, after the idle pause after an empty call (doubling while calls stay empty, up to
 * {@link #MAX_IDLE} or the configured pause if longer), and after its backoff after failures; pauses
 * end on shared ticks ({@link Ticks}), so that idle triggers wake the engine together. A trigger that
 * blocks in its call (a queue consumer waiting for messages) holds a thread only while it waits. Calls
 * of one trigger never overlap; a trigger is not called while its flow is at its session limit, while
 * it is backed off after failures (1 s doubling up to the cap), or when the cluster coordinator gives a
 * single-node trigger to another node. The threads belong to the engine.
 */
final class TriggerRunner {

    private static final Logger LOG = LogManager.getLogger(TriggerRunner.class);
    /** Pauses end on boundaries of this. */
    static final Duration TICK = Duration.ofMillis(50);
    /**
     * The longest pause of an idle event trigger, with its tick rounding: a file dropped into an idle folder
     * starts its session within a second.
     */
    static final Duration MAX_IDLE = Duration.ofSeconds(1).minus(TICK);

    /** What the runner needs of the engine. */
    interface Sessions {
        /** Sessions of a flow in progress, for back-pressure. */
        int inProgress(UUID flowId);

        /** Starts a batch of a trigger's items as one unit; an outcome per item, in order. */
        List<ItemOutcome> start(FlowRun run, UUID triggerId, List<TriggerResult> items);

        /** A call of the trigger ended (or was skipped): the ends of sessions queued meanwhile are told now. */
        void callDone(FlowRun.TriggerSlot slot);

        /** The cluster coordinator, if one is present. */
        TriggerCoordinator coordinator();

        boolean stopped();
    }

    private final EngineOptions options;
    private final ScheduledExecutorService scheduler;
    private final Ticks ticks;
    private final CronTicks cronTicks;
    private final TriggerThreads triggerThreads;
    private final Sessions sessions;

    TriggerRunner(EngineOptions options, ScheduledExecutorService scheduler, TriggerThreads triggerThreads, Sessions sessions) {
        this.options = options;
        this.scheduler = scheduler;
        this.ticks = new Ticks(scheduler, TICK);
        this.cronTicks = new CronTicks(Clock.systemUTC(), scheduler);
        this.triggerThreads = triggerThreads;
        this.sessions = sessions;
    }

    /** Starts a run's enabled triggers: cron ones on their schedule, the others in a loop each. */
    void start(FlowRun run) {
        run.triggersStarted = true;
        for (FlowRun.TriggerSlot slot : run.triggers.values()) {
            if (!slot.definition.enabled()) {
                continue;
            }
            if (slot.cron != null) {
                scheduleCron(run, slot);
            } else {
                slot.idleNanos = 0;
                scheduleEvent(run, slot, 0, slot.loops.incrementAndGet());
            }
        }
    }

    /** Stops a run's triggers (interrupting calls in progress). */
    void stop(FlowRun run) {
        run.triggersStarted = false;
        for (FlowRun.TriggerSlot slot : run.triggers.values()) {
            slot.loops.incrementAndGet(); // a call of the loop in progress now schedules no next one
            var scheduled = slot.scheduled;
            if (scheduled != null) {
                scheduled.cancel(true);
                slot.scheduled = null;
            }
        }
    }

    private void scheduleCron(FlowRun run, FlowRun.TriggerSlot slot) {
        cronTicks.start(slot.cron, new CronTicks.Job() {
            @Override
            public boolean live() {
                return run.triggersStarted && !sessions.stopped();
            }

            @Override
            public void fire(Instant tick) {
                if (!slot.busy.get()) {
                    triggerThreads.execute(() -> callTrigger(run, slot));
                }
            }

            @Override
            public void pending(Future<?> task) {
                slot.scheduled = task;
            }

            @Override
            public String toString() {
                return run + ": trigger " + slot.definition.name();
            }
        });
    }

    /**
     * Schedules an event trigger's next call after {@code delayNanos}; none once its flow's triggers stopped, or once
     * {@code loop} is not the slot's loop any more (stopped, and maybe started again: another loop calls it now).
     */
    private void scheduleEvent(FlowRun run, FlowRun.TriggerSlot slot, long delayNanos, int loop) {
        if (!live(run, slot, loop)) {
            return;
        }
        try {
            if (delayNanos <= 0) {
                slot.scheduled = triggerThreads.submit(() -> eventCall(run, slot, loop));
            } else {
                slot.scheduled = ticks.schedule(delayNanos, () -> scheduleEvent(run, slot, 0, loop));
            }
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    private boolean live(FlowRun run, FlowRun.TriggerSlot slot, int loop) {
        return run.triggersStarted && !sessions.stopped() && slot.loops.get() == loop;
    }

    /**
     * One call of an event trigger, then the next one scheduled. Whether the loop goes on is the run's and the slot's
     * state, not the thread's interrupt: an interrupt that met an I/O call of the call's batch (the log gives back one
     * that met its write) would otherwise end the trigger's calls for good while its flow stays active.
     */
    private void eventCall(FlowRun run, FlowRun.TriggerSlot slot, int loop) {
        if (!live(run, slot, loop)) {
            return;
        }
        int started = callTrigger(run, slot);
        Thread.interrupted(); // the stop's interrupt is seen in the slot's loop; any other is not the next call's
        long base = Math.max(1, options.eventIdle().toNanos());
        long next;
        long backoffLeft = slot.backoffUntilNanos - System.nanoTime();
        if (backoffLeft > 0) {
            next = backoffLeft;
        } else if (started > 0) {
            slot.idleNanos = 0;
            next = 0;
        } else if (started == 0) {
            long cap = Math.max(base, MAX_IDLE.toNanos());
            slot.idleNanos = slot.idleNanos == 0 ? base : Math.min(cap, slot.idleNanos * 2);
            next = slot.idleNanos;
        } else {
            next = base; // not called: busy, at the flow's session limit, or another node's
        }
        scheduleEvent(run, slot, next, loop);
    }

    /**
     * Calls a trigger once, unless it is busy, backed off, not this node's to run, or its flow is at
     * capacity; starts a session for every item it returns.
     *
     * @return how many sessions it started, or -1 if it was not called
     */
    private int callTrigger(FlowRun run, FlowRun.TriggerSlot slot) {
        if (!slot.busy.compareAndSet(false, true)) {
            return -1;
        }
        TriggerProcessor instance = slot.instance;
        // the call's lines (and those of itemsReceived) are about this trigger and no session
        LogContext logContext = LogContext.of(run, null, slot.definition.name(), slot.definition.id());
        boolean entered = false;
        try {
            if (instance == null || !run.ready() || System.nanoTime() < slot.backoffUntilNanos) {
                return -1;
            }
            // no call begins on a retired run, and its instances stay until this call returned and heard of its items
            entered = run.enterCall();
            if (!entered) {
                return -1;
            }
            TriggerCoordinator cluster = sessions.coordinator();
            if (slot.definition.singleNode() && cluster != null && !cluster.mayRun(run.id(), slot.definition.id())) {
                return -1;
            }
            int capacity = options.maxSessionsPerFlow() - sessions.inProgress(run.id());
            if (capacity <= 0) {
                return -1;
            }
            List<ItemOutcome> outcomes;
            // no session's end is told to the trigger from its call until its items' outcomes are: an item the call
            // emits because it has not heard of its session's end yet meets that session still live, a duplicate
            slot.calling.lock();
            try {
                List<TriggerResult> results = callWithTimeout(instance, new EngineContexts.Trigger(slot.context, capacity));
                if (results == null) {
                    results = List.of();
                }
                if (results.size() > capacity) {
                    LOG.warn("{}: trigger {} returned {} items with capacity for {}; starting them all rather than losing any",
                            run, slot.definition.name(), results.size(), capacity);
                }
                if (results.isEmpty()) {
                    slot.failures = 0;
                    return 0;
                }
                outcomes = startAll(run, slot, results);
                tellOutcomes(run, slot, instance, outcomes);
            } finally {
                slot.calling.unlock();
            }
            long notStarted = outcomes.stream().filter(outcome -> !outcome.accepted()).count();
            if (notStarted > 0) {
                throw new EngineException(notStarted + " of " + outcomes.size() + " items not started: "
                        + outcomes.stream().filter(outcome -> !outcome.accepted()).findFirst().orElseThrow().reason());
            }
            slot.failures = 0;
            return (int) outcomes.stream().filter(outcome -> outcome.status() == ItemOutcome.Status.STARTED).count();
        } catch (Throwable e) {
            // whatever the trigger throws (an Error too) is its failure: it is backed off, and called again after
            int failures = ++slot.failures;
            long seconds = Math.min(options.triggerBackoffMax().toSeconds(), 1L << Math.min(failures - 1, 30));
            slot.backoffUntilNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            LOG.warn("{}: trigger {} failed ({} in a row), backing off {} s: {}", run, slot.definition.name(), failures, seconds,
                    e.toString());
            return -1;
        } finally {
            logContext.close();
            slot.busy.set(false);
            sessions.callDone(slot);
            if (entered) {
                run.exitCall();
            }
        }
    }

    /** Starts the items; whatever goes wrong, every item gets an outcome. */
    private List<ItemOutcome> startAll(FlowRun run, FlowRun.TriggerSlot slot, List<TriggerResult> results) {
        try {
            return sessions.start(run, slot.definition.id(), results);
        } catch (RuntimeException | LinkageError e) {
            String reason = "the engine failed to start the items: " + e;
            return results.stream().map(item -> ItemOutcome.notStarted(item, reason)).toList();
        }
    }

    /** Tells the trigger what became of its items: always, also when its flow or its bundle is going away. */
    private static void tellOutcomes(FlowRun run, FlowRun.TriggerSlot slot, TriggerProcessor instance, List<ItemOutcome> outcomes) {
        try {
            instance.itemsReceived(outcomes);
        } catch (Throwable e) {
            LOG.warn("{}: trigger {} failed to take the outcome of its items: {}", run, slot.definition.name(), e.toString());
        }
    }

    /** Calls a trigger, interrupting it when it exceeds the trigger timeout (which then counts as its failure). */
    private List<TriggerResult> callWithTimeout(TriggerProcessor trigger, EngineContexts.Trigger context) throws Exception {
        return triggerThreads.callWithin(options.triggerTimeout(), () -> trigger.trigger(context));
    }
}
