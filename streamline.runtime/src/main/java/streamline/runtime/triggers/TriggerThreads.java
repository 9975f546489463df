package streamline.runtime.triggers;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The threads that call triggers. A few ({@code base}) take the calls from one queue, whatever the number of
 * flows: a thousand idle flows' short calls share them instead of each call waking or creating a thread of its
 * own. A call that runs longer than {@link #BLOCKING_AFTER} (a trigger that blocks by design, such as a queue
 * consumer waiting for messages, or one that hangs) adds a thread while it runs, so it never holds up the others'
 * calls for longer than that. Time limits of calls are kept here too: a periodic check interrupts a call past its
 * limit, instead of a timer scheduled and cancelled for every call. The check runs only while there are calls
 * or extra threads, so an engine without triggers is not woken for it. The engine owns the threads and the check.
 */
public final class TriggerThreads {

    /** A call running longer than this counts as blocking: another thread takes the queue meanwhile. */
    static final Duration BLOCKING_AFTER = Duration.ofMillis(100);

    private final int base;
    private final ThreadPoolExecutor pool;
    /** Runs the checks: a thread no other work can hold, or a limit would wait behind that work. */
    private final ScheduledExecutorService checks;
    private final Map<Thread, Task> running = new ConcurrentHashMap<>();
    /** Whether a check is scheduled or running. */
    private final AtomicBoolean checking = new AtomicBoolean();

    /** A task in progress on one of the threads. */
    private static final class Task {
        final Thread thread = Thread.currentThread();
        final long since = System.nanoTime();
        /** Guarded by this: whether a time-limited call is in progress, and when it must have ended. */
        boolean limited;
        long deadline;
        boolean timedOut;
    }

    public TriggerThreads(int base, ThreadFactory threads, ScheduledExecutorService checks) {
        this.base = base;
        // the queue is unbounded, so the pool grows only through its core size, which check() sets
        this.pool = new ThreadPoolExecutor(base, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
        this.checks = checks;
    }

    public void execute(Runnable task) {
        pool.execute(tracked(task));
    }

    public Future<?> submit(Runnable task) {
        return pool.submit(tracked(task));
    }

    private Runnable tracked(Runnable task) {
        return () -> {
            Task current = new Task();
            running.put(current.thread, current);
            checkLater();
            try {
                task.run();
            } finally {
                running.remove(current.thread);
            }
        };
    }

    /**
     * Runs {@code call} on the calling thread, one of these threads, interrupting it once it ran longer than
     * {@code limit}; a call that throws after it was interrupted for that throws {@link TimeoutException}. A call that
     * returns (at the very moment of its limit, or ignoring the interrupt) returns its result: its items are
     * started or answered like any others, never dropped unreported.
     */
    public <T> T callWithin(Duration limit, Callable<T> call) throws Exception {
        Task current = running.get(Thread.currentThread());
        if (current == null) {
            throw new IllegalStateException("not on a trigger thread: " + Thread.currentThread().getName());
        }
        synchronized (current) {
            current.limited = true;
            current.deadline = System.nanoTime() + limit.toNanos();
        }
        T result;
        try {
            result = call.call();
        } catch (Exception | Error e) {
            if (endLimit(current)) {
                TimeoutException timeout = new TimeoutException("trigger call exceeded " + limit.toSeconds() + " s");
                timeout.addSuppressed(e);
                throw timeout;
            }
            throw e;
        }
        endLimit(current);
        return result;
    }

    /** Ends a call's limit; if the limit interrupted it, clears that interrupt. @return whether it did */
    private static boolean endLimit(Task current) {
        synchronized (current) {
            current.limited = false;
            if (!current.timedOut) {
                return false;
            }
            current.timedOut = false;
            Thread.interrupted();
            return true;
        }
    }

    /** Schedules the next check, unless one is scheduled. */
    private void checkLater() {
        if (checking.compareAndSet(false, true)) {
            try {
                checks.schedule(this::check, BLOCKING_AFTER.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                checking.set(false); // stopping
            }
        }
    }

    /**
     * Interrupts calls past their limit; one thread more than the base for every call blocking now. Then the next
     * check, while calls run or extra threads are to go.
     */
    private void check() {
        long now = System.nanoTime();
        int blocking = 0;
        for (Task task : running.values()) {
            synchronized (task) {
                if (task.limited && now - task.deadline > 0) {
                    task.timedOut = true;
                    task.limited = false;
                    task.thread.interrupt();
                }
            }
            if (now - task.since > BLOCKING_AFTER.toNanos()) {
                blocking++;
            }
        }
        int wanted = base + blocking;
        if (wanted != pool.getCorePoolSize()) {
            // larger: threads start for queued calls at once; smaller: threads beyond it end when idle
            pool.setCorePoolSize(wanted);
        }
        checking.set(false);
        // a call that started after the loop above found checking still set: it is checked from here
        if (!running.isEmpty() || wanted != base) {
            checkLater();
        }
    }

    /** The pool's threads alive now (tests of this package wait on it; nothing else reads it). */
    int liveThreads() {
        return pool.getPoolSize();
    }

    /** The threads the pool keeps now: the base and one per blocking call (tests of this package; nothing else reads it). */
    int wantedThreads() {
        return pool.getCorePoolSize();
    }

    public void shutdownNow() {
        pool.shutdownNow();
    }

    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return pool.awaitTermination(timeout, unit);
    }
}
