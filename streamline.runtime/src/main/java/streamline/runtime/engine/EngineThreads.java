package streamline.runtime.engine;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import streamline.runtime.triggers.TriggerThreads;

/**
 * The engine's threads: the workers that run steps, the scheduler, the time limits, the committer and the trigger
 * threads. Made with the engine and stopped by its {@link StreamlineEngine#stop}, which decides when; separate so that
 * what the engine runs on is made and ended in one place, and none of it is left behind.
 */
final class EngineThreads {

    /** Trigger threads while no call blocks: idle triggers' calls are short, and a blocking one adds a thread. */
    private static final int TRIGGER_THREADS = 2;

    final ThreadPoolExecutor workers;
    final ScheduledThreadPoolExecutor scheduler;
    /**
     * The time limits of steps and trigger calls, whose tasks only interrupt and never wait: the scheduler's thread may
     * itself wait (at the gate a switch of logs closed, or on a flow store that hangs), and a switch waits for the
     * running steps, so a limit queued behind it could hold the switch and every step after it.
     */
    final ScheduledThreadPoolExecutor timeLimits;
    final TriggerThreads triggerThreads;
    /** Writes the sessions' last steps, many at a time, so that no worker waits for the disk. */
    final ThreadPoolExecutor committer;

    EngineThreads(EngineOptions options) {
        this.workers = new ThreadPoolExecutor(options.workers(), options.workers(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threads("streamline-worker"));
        this.scheduler = new ScheduledThreadPoolExecutor(1, threads("streamline-scheduler"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.timeLimits = new ScheduledThreadPoolExecutor(1, threads("streamline-time-limits"));
        this.timeLimits.setRemoveOnCancelPolicy(true);
        this.committer = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), threads("streamline-commit"));
        this.committer.allowCoreThreadTimeOut(true);
        this.triggerThreads = new TriggerThreads(TRIGGER_THREADS, threads("streamline-trigger"), timeLimits);
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Interrupts every thread and takes no more tasks. */
    void shutdownNow() {
        triggerThreads.shutdownNow();
        workers.shutdownNow();
        committer.shutdownNow();
        scheduler.shutdownNow();
        timeLimits.shutdownNow();
    }

    /** Waits a while for the workers, the committer and the trigger threads to end. */
    void awaitTermination() throws InterruptedException {
        workers.awaitTermination(5, TimeUnit.SECONDS);
        committer.awaitTermination(5, TimeUnit.SECONDS);
        triggerThreads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
