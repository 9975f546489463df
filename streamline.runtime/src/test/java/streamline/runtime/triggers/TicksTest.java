package streamline.runtime.triggers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import streamline.testkit.Eventually;

/** Pauses of a tick or more end together on tick boundaries; shorter ones as asked. */
class TicksTest {

    /** Counts the scheduler's tasks run: a tick's tasks run within one of them. */
    private final AtomicInteger schedulerRuns = new AtomicInteger();
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1) {
        @Override
        protected void afterExecute(Runnable task, Throwable failure) {
            schedulerRuns.incrementAndGet();
        }
    };
    private final Ticks ticks = new Ticks(scheduler, Duration.ofSeconds(1));

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void pausesEndingWithinOneTickRunFromOneWakeUpOnItsBoundaryAndACancelledOneDoesNot() throws Exception {
        long tick = TimeUnit.SECONDS.toNanos(1);
        // pauses ending within the half tick before a boundary two to three ticks ahead: all round up to it
        long now = System.nanoTime();
        long boundary = (Math.floorDiv(now, tick) + 3) * tick;
        long firstEnd = boundary - tick / 2 - now;
        List<Long> ranAt = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 50; i++) {
            ticks.schedule(firstEnd + i * 1000L, () -> ranAt.add(System.nanoTime()));
        }
        Future<?> cancelled = ticks.schedule(firstEnd, () -> ranAt.add(-1L));
        cancelled.cancel(false);
        // the tick's tasks, the cancelled one among them, run within one task of the scheduler
        Eventually.await("the tick's wake-up done", Duration.ofSeconds(10), () -> schedulerRuns.get() >= 1);
        assertEquals(50, ranAt.size(), "all fifty ran, the cancelled one did not: " + ranAt);
        assertEquals(1, schedulerRuns.get(), "fifty pauses, one wake-up of the scheduler");
        assertTrue(ranAt.stream().allMatch(at -> at - boundary >= 0 && at - boundary < tick / 2),
                "ran on the tick boundary, not before it");
    }

    @Test
    void aPauseShorterThanATickIsNotRounded() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        long start = System.nanoTime();
        ticks.schedule(TimeUnit.MILLISECONDS.toNanos(1), ran::countDown);
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(900), "not held until a one-second tick");
    }
}
