package streamline.runtime.triggers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import streamline.testkit.Eventually;

/** A few threads for all trigger calls; a blocking call adds one; a call past its limit is interrupted. */
class TriggerThreadsTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final TriggerThreads threads = new TriggerThreads(1, Thread::new, scheduler);

    @AfterEach
    void stop() {
        threads.shutdownNow();
        scheduler.shutdownNow();
    }

    @Test
    void aBlockingCallAddsAThreadSoTheOthersCallsStillRun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        threads.execute(() -> {
            blocking.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocking.await(10, TimeUnit.SECONDS));
        // the one base thread is taken: these wait in the queue until the blocking call counts as blocking
        CountDownLatch others = new CountDownLatch(20);
        for (int i = 0; i < 20; i++) {
            threads.execute(others::countDown);
        }
        assertTrue(others.await(10, TimeUnit.SECONDS), "the other calls ran while one blocks");
        assertEquals(2, threads.liveThreads(), "one thread for the blocking call, one for the rest");
        release.countDown();
    }

    @Test
    void manyShortCallsShareTheBaseThreads() throws Exception {
        CountDownLatch done = new CountDownLatch(1000);
        for (int i = 0; i < 1000; i++) {
            threads.execute(done::countDown);
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(1, threads.liveThreads(), "short calls are queued for the base thread, not given threads of their own");
    }

    @Test
    void aCallPastItsLimitIsInterruptedAndTheThreadServesTheNextCall() throws Exception {
        Future<?> hanging = threads.submit(() -> {
            TimeoutException e = assertThrows(TimeoutException.class, () -> threads.callWithin(Duration.ofMillis(200), () -> {
                new CountDownLatch(1).await(); // hangs until the limit interrupts it
                return null;
            }));
            assertTrue(e.getMessage().contains("exceeded"), e.getMessage());
            assertTrue(!Thread.currentThread().isInterrupted(), "the interrupt that ended the call is cleared");
        });
        hanging.get(10, TimeUnit.SECONDS);
        Future<?> next = threads.submit(() -> {
            try {
                assertEquals("quick", threads.callWithin(Duration.ofMillis(200), () -> "quick"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        next.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aResultReturnedAtTheMomentOfTheLimitIsReturnedNotDropped() throws Exception {
        Future<?> late = threads.submit(() -> {
            try {
                String result = threads.callWithin(Duration.ofMillis(100), () -> {
                    try {
                        new CountDownLatch(1).await(); // until the limit interrupts it
                    } catch (InterruptedException e) {
                        // the call returns its items all the same, as one that was returning at that moment does
                    }
                    return "items";
                });
                assertEquals("items", result, "the items of a call that returned are reported, not dropped");
                assertTrue(!Thread.currentThread().isInterrupted(), "the interrupt of the limit is cleared");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        late.get(10, TimeUnit.SECONDS);
    }

    @Test
    void withoutCallsNothingIsScheduledForTheCheck() throws Exception {
        assertTrue(scheduler.getQueue().isEmpty(), "no check before the first call");
        CountDownLatch done = new CountDownLatch(1);
        threads.execute(done::countDown);
        assertTrue(done.await(10, TimeUnit.SECONDS));
        Eventually.await("the checks stopped once no call runs", Duration.ofSeconds(10),
                () -> scheduler.getQueue().isEmpty() && scheduler.getActiveCount() == 0);
    }

    @Test
    void aTimeLimitOutsideTheTriggerThreadsIsRefused() {
        assertThrows(IllegalStateException.class, () -> threads.callWithin(Duration.ofSeconds(1), () -> null));
    }

    @Test
    void afterTheBlockingCallEndsTheExtraThreadIsNoLongerWanted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        threads.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Eventually.await("a thread added for the blocking call", Duration.ofSeconds(10), () -> threads.wantedThreads() == 2);
        release.countDown();
        Eventually.await("back to the base", Duration.ofSeconds(10), () -> threads.wantedThreads() == 1);
    }
}
