package streamline.runtime.triggers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.cron.support.CronSchedule;

/**
 * Schedules the ticks of cron triggers on the engine's scheduler: each tick fires once, when the wall clock
 * (the one the schedule is read on) has reached it, never before.
 */
public final class CronTicks {

    private static final Logger LOG = LogManager.getLogger(CronTicks.class);

    /** What is scheduled: a cron trigger of a flow run. */
    public interface Job {
        /** Whether ticks are still wanted (the flow's triggers run, the engine runs). */
        boolean live();

        /** The tick has come: the clock reads it or later. Called once per tick. */
        void fire(Instant tick);

        /** The task now pending for the next tick, so that stopping can cancel it. */
        void pending(Future<?> task);
    }

    private final Clock clock;
    private final ScheduledExecutorService scheduler;

    public CronTicks(Clock clock, ScheduledExecutorService scheduler) {
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /** Schedules the job's ticks from now on. */
    public void start(CronSchedule schedule, Job job) {
        scheduleAfter(schedule, job, clock.instant());
    }

    /** Schedules the first tick strictly after {@code after}. */
    private void scheduleAfter(CronSchedule schedule, Job job, Instant after) {
        if (!job.live()) {
            return;
        }
        Optional<Instant> next = schedule.next(after);
        if (next.isEmpty()) {
            LOG.info("{}: the cron schedule '{}' never fires again", job, schedule);
            return;
        }
        awaitTick(schedule, job, next.get());
    }

    /**
     * Waits for {@code tick} by the clock. The scheduler measures its delay on another clock than the wall clock
     * the schedule is read on, so its task may run a little before the tick: then it waits again for what is left,
     * rather than firing early (a midnight job reading yesterday's date) and then once more on the tick.
     */
    private void awaitTick(CronSchedule schedule, Job job, Instant tick) {
        if (!job.live()) {
            return;
        }
        try {
            job.pending(scheduler.schedule(() -> {
                Instant now = clock.instant();
                if (now.isBefore(tick)) {
                    awaitTick(schedule, job, tick);
                    return;
                }
                if (!job.live()) {
                    return;
                }
                job.fire(tick);
                // strictly after the tick fired, also when the clock was set back meanwhile; ticks missed by a late run
                // (a clock set forward, a stalled scheduler) are not made up
                scheduleAfter(schedule, job, now.isAfter(tick) ? now : tick);
            }, nanosUntil(tick), TimeUnit.NANOSECONDS));
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** Nanoseconds from now until {@code tick}: none if it has come, all of them (never rounded down) if not. */
    private long nanosUntil(Instant tick) {
        Duration left = Duration.between(clock.instant(), tick);
        if (left.isNegative() || left.isZero()) {
            return 0;
        }
        try {
            return left.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // centuries away
        }
    }
}
