package streamline.runtime.engine;

import java.time.Duration;

/**
 * Lets steps pass while open, and lets the engine close it and wait until no step is inside: the
 * quiesce of a write-ahead log swap and of a stop. Every write to the log happens inside the gate,
 * so while it is closed the log does not move. Unlike a read-write lock it may be closed by one
 * thread and opened by another (a swap starts in one service callback and may finish in another).
 */
final class StepGate {

    private int inside;
    private boolean closed;

    /** Waits until the gate is open, then enters. */
    synchronized void enter() throws InterruptedException {
        while (closed) {
            wait();
        }
        inside++;
    }

    synchronized void exit() {
        inside--;
        if (inside == 0) {
            notifyAll();
        }
    }

    /**
     * Closes the gate and waits until every step inside has left.
     *
     * @return whether all left within the timeout (the gate stays closed either way)
     */
    synchronized boolean close(Duration timeout) throws InterruptedException {
        closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inside > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Closes without waiting (steps inside finish on their own). */
    synchronized void forceClose() {
        closed = true;
    }

    synchronized void open() {
        closed = false;
        notifyAll();
    }

    synchronized boolean isClosed() {
        return closed;
    }
}
