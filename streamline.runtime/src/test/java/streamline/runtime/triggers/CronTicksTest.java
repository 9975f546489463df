package streamline.runtime.triggers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import streamline.cron.support.CronSchedule;

class CronTicksTest {

    /** A wall clock the scheduler below moves. */
    private static final class MovingClock extends Clock {
        Instant now;

        MovingClock(Instant now) {
            this.now = now;
        }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { throw new UnsupportedOperationException(); }
        @Override public Instant instant() { return now; }
    }

    /**
     * A scheduler on virtual time that runs every task {@code early} before its delay is over (as an executor
     * measuring with a clock that drifts from the wall clock does), and whose tasks each take {@code cost} of
     * clock time.
     */
    private static final class EarlyScheduler extends AbstractExecutorService implements ScheduledExecutorService {
        private record Due(Instant at, long order, FutureTask<?> task) {
        }

        private final MovingClock clock;
        private final Duration early;
        private final Duration cost;
        private final PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> a.at.equals(b.at)
                ? Long.compare(a.order, b.order) : a.at.compareTo(b.at));
        private long order;

        EarlyScheduler(MovingClock clock, Duration early, Duration cost) {
            this.clock = clock;
            this.early = early;
            this.cost = cost;
        }

        /** Runs the tasks due until the clock reads {@code end}; at most {@code maxTasks} of them. */
        int runUntil(Instant end, int maxTasks) {
            int ran = 0;
            while (!queue.isEmpty() && queue.peek().at.isBefore(end) && ran < maxTasks) {
                Due next = queue.poll();
                if (next.at.isAfter(clock.now)) {
                    clock.now = next.at;
                }
                next.task.run();
                clock.now = clock.now.plus(cost);
                ran++;
            }
            return ran;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            Instant at = clock.now.plusNanos(unit.toNanos(delay)).minus(early);
            Due due = new Due(at.isBefore(clock.now) ? clock.now : at, order++, new FutureTask<>(command, null));
            queue.add(due);
            return new ScheduledFuture<Object>() {
                @Override public long getDelay(TimeUnit u) { return u.convert(Duration.between(clock.now, due.at)); }
                @Override public int compareTo(Delayed o) { return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS)); }
                @Override public boolean cancel(boolean interrupt) { queue.remove(due); return due.task.cancel(interrupt); }
                @Override public boolean isCancelled() { return due.task.isCancelled(); }
                @Override public boolean isDone() { return due.task.isDone(); }
                @Override public Object get() { throw new UnsupportedOperationException(); }
                @Override public Object get(long timeout, TimeUnit u) { throw new UnsupportedOperationException(); }
            };
        }

        @Override public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) { throw new UnsupportedOperationException(); }
        @Override public ScheduledFuture<?> scheduleAtFixedRate(Runnable c, long i, long p, TimeUnit u) { throw new UnsupportedOperationException(); }
        @Override public ScheduledFuture<?> scheduleWithFixedDelay(Runnable c, long i, long d, TimeUnit u) { throw new UnsupportedOperationException(); }
        @Override public void execute(Runnable command) { schedule(command, 0, TimeUnit.NANOSECONDS); }
        @Override public void shutdown() { }
        @Override public List<Runnable> shutdownNow() { return List.of(); }
        @Override public boolean isShutdown() { return false; }
        @Override public boolean isTerminated() { return false; }
        @Override public boolean awaitTermination(long timeout, TimeUnit unit) { return true; }
    }

    /** The ticks a job was fired for, with the clock's reading at each. */
    private static final class Recorder implements CronTicks.Job {
        final MovingClock clock;
        final List<Instant> ticks = new ArrayList<>();
        final List<Instant> firedAt = new ArrayList<>();
        volatile boolean live = true;
        Future<?> pending;

        Recorder(MovingClock clock) {
            this.clock = clock;
        }

        @Override public boolean live() { return live; }
        @Override public void fire(Instant tick) { ticks.add(tick); firedAt.add(clock.instant()); }
        @Override public void pending(Future<?> task) { pending = task; }
    }

    @Test
    void aSecondsScheduleFiresEachTickExactlyOnceAndNeverBeforeItOnASchedulerThatRunsEarly() {
        Instant start = Instant.parse("2026-12-31T23:55:00.123456789Z");
        MovingClock clock = new MovingClock(start);
        EarlyScheduler scheduler = new EarlyScheduler(clock, Duration.ofMillis(2), Duration.ofNanos(100_000));
        Recorder job = new Recorder(clock);
        new CronTicks(clock, scheduler).start(CronSchedule.parse("* * * * * *"), job);

        int seconds = 600;
        scheduler.runUntil(start.plusSeconds(seconds), 1_000_000);

        Instant first = start.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        for (int i = 0; i < job.ticks.size(); i++) {
            assertFalse(job.firedAt.get(i).isBefore(job.ticks.get(i)),
                    "tick " + job.ticks.get(i) + " fired early, at " + job.firedAt.get(i));
            assertFalse(job.firedAt.get(i).isBefore(first.plusSeconds(i)),
                    "call " + i + " at " + job.firedAt.get(i) + " is before second " + first.plusSeconds(i));
        }
        List<Instant> expected = new ArrayList<>();
        for (int i = 0; i < seconds; i++) {
            expected.add(first.plusSeconds(i));
        }
        assertEquals(expected, job.ticks, "each second fired once");
        for (Instant at : job.firedAt) {
            assertTrue(Duration.between(at.truncatedTo(ChronoUnit.SECONDS), at).compareTo(Duration.ofMillis(5)) < 0,
                    "fired at " + at + ", not promptly after its second");
        }
    }

    @Test
    void stoppedJobsAreNotFiredAgain() {
        Instant start = Instant.parse("2026-06-01T12:00:00.5Z");
        MovingClock clock = new MovingClock(start);
        EarlyScheduler scheduler = new EarlyScheduler(clock, Duration.ofMillis(2), Duration.ofNanos(100_000));
        Recorder job = new Recorder(clock);
        new CronTicks(clock, scheduler).start(CronSchedule.parse("* * * * * *"), job);
        scheduler.runUntil(start.plusSeconds(3), 1_000_000);
        int fired = job.ticks.size();
        job.live = false;
        scheduler.runUntil(start.plusSeconds(10), 1_000_000);
        assertEquals(fired, job.ticks.size());
        assertEquals(3, fired);
    }
}
