package streamline.runtime;

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
        // far enough from the next boundary that all of them round up to the same one
        while (Math.floorMod(System.nanoTime(), tick) > tick / 2) {
            Thread.sleep(10);
        }
        List<Long> ranAt = new CopyOnWriteArrayList<>();
        CountDownLatch ran = new CountDownLatch(50);
        for (int i = 0; i < 50; i++) {
            ticks.schedule(tick + i * 1000L, () -> {
                ranAt.add(System.nanoTime());
                ran.countDown();
            });
        }
        Future<?> cancelled = ticks.schedule(tick, () -> ranAt.add(-1L));
        cancelled.cancel(false);
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        Thread.sleep(100); // the cancelled one would have run in the same wake-up
        assertEquals(50, ranAt.size(), "the cancelled one did not run");
        assertEquals(1, schedulerRuns.get(), "fifty pauses, one wake-up of the scheduler");
        long boundary = Math.floorDiv(ranAt.get(0), tick) * tick;
        assertTrue(ranAt.get(0) - boundary < tick / 2, "ran on a tick boundary");
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
