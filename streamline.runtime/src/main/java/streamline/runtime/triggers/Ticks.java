package streamline.runtime.triggers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Pauses that may end a little late, gathered on shared ticks: a pause of at least a tick ends on the next tick
 * boundary after it, and every task due on one boundary runs from the same wake-up of the scheduler. A thousand
 * idle triggers' pauses thus cost twenty wake-ups a second rather than a thousand. Shorter pauses are not
 * rounded: they run on the scheduler as asked.
 */
public final class Ticks {

    private final ScheduledExecutorService scheduler;
    private final long tickNanos;
    /** Guarded by this: the tasks due on each pending tick, by tick number (time / tick). */
    private final Map<Long, List<FutureTask<?>>> due = new HashMap<>();

    public Ticks(ScheduledExecutorService scheduler, Duration tick) {
        this.scheduler = scheduler;
        this.tickNanos = tick.toNanos();
    }

    /**
     * Runs {@code task} once {@code delayNanos} passed, on the scheduler's thread (so it must be short).
     *
     * @return what cancels it
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler stopped
     */
    public Future<?> schedule(long delayNanos, Runnable task) {
        if (delayNanos < tickNanos) {
            return scheduler.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        }
        long now = System.nanoTime();
        long tick = Math.floorDiv(now + delayNanos + tickNanos - 1, tickNanos);
        FutureTask<Void> entry = new FutureTask<>(task, null);
        synchronized (this) {
            List<FutureTask<?>> tasks = due.get(tick);
            if (tasks == null) {
                scheduler.schedule(() -> fire(tick), tick * tickNanos - now, TimeUnit.NANOSECONDS);
                tasks = new ArrayList<>();
                due.put(tick, tasks);
            }
            tasks.add(entry);
        }
        return entry;
    }

    private void fire(long tick) {
        List<FutureTask<?>> tasks;
        synchronized (this) {
            tasks = due.remove(tick);
        }
        if (tasks != null) {
            tasks.forEach(FutureTask::run); // a cancelled one does nothing
        }
    }
}
