package streamline.wal.file;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import streamline.api.wal.WriteAheadLogException;

/**
 * The appends waiting to be written, and the write lock: the appender that holds the lock writes
 * everything queued in one system call (write combining). Under {@code always} the other appenders
 * sleep meanwhile, each woken once its part is written, or to take the next turn, never only to wait
 * again (a force costs far more than a wake-up, and 32 appenders on 2 cores would otherwise spend it
 * on wake-ups); under the other policies a write takes a microsecond, and appenders wait in the lock.
 */
final class AppendQueue {

    /** Writes queued appends; called with the write lock held. */
    interface Turn {
        void writeQueued(PendingWrite holder);
    }

    private final Path directory;
    private final boolean always;
    private final GroupCommit groupCommit;
    private final ConcurrentLinkedQueue<PendingWrite> pending = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writeLock = new ReentrantLock();

    AppendQueue(Path directory, boolean always, GroupCommit groupCommit) {
        this.directory = directory;
        this.always = always;
        this.groupCommit = groupCommit;
    }

    /** Queues the append and returns once it is written or has failed (see {@link PendingWrite#error}). */
    void submit(PendingWrite mine, Turn turn) throws WriteAheadLogException {
        pending.add(mine);
        if (always) {
            awaitWritten(mine, turn);
            return;
        }
        writeLock.lock();
        try {
            // a turn writes a bounded batch: appends queued before this one may fill it
            while (!mine.done && !pending.isEmpty()) {
                turn.writeQueued(mine);
            }
        } finally {
            writeLock.unlock();
        }
        if (!mine.done) {
            throw new WriteAheadLogException("append to " + directory + " was taken from the queue and never written");
        }
    }

    private void awaitWritten(PendingWrite mine, Turn turn) {
        boolean interrupted = false;
        try {
            while (!mine.done) {
                if (writeLock.tryLock()) {
                    try {
                        if (!mine.done) {
                            turn.writeQueued(mine);
                        }
                    } finally {
                        unlock();
                    }
                } else {
                    LockSupport.park(this); // the holder writes this append, or hands the lock on
                    interrupted |= Thread.interrupted(); // an interrupt must not turn this into a spin
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** An action under the write lock. */
    interface Locked<T> {
        T run() throws WriteAheadLogException;
    }

    /** Runs {@code action} holding the write lock. */
    <T> T whileLocked(Locked<T> action) throws WriteAheadLogException {
        lock();
        try {
            return action.run();
        } finally {
            unlock();
        }
    }

    /** Gets {@code value} holding the write lock. */
    <T> T locked(Supplier<T> value) {
        lock();
        try {
            return value.get();
        } finally {
            unlock();
        }
    }

    void lock() {
        writeLock.lock();
    }

    /**
     * Releases the write lock and, under {@code always}, wakes the first queued appender, if any, to
     * take it: those appenders sleep while the lock is held, by a writer or by anyone else, and are
     * woken only here.
     */
    void unlock() {
        writeLock.unlock();
        if (always) {
            PendingWrite next = pending.peek();
            if (next != null) {
                LockSupport.unpark(next.thread);
            }
        }
    }

    /** Takes the queued appends up to {@code maxBytes} (at least one, if any); the caller holds the write lock. */
    List<PendingWrite> takeBatch(long maxBytes) {
        List<PendingWrite> batch = new ArrayList<>();
        long total = 0;
        // only the lock holder takes from the queue, so the head it looked at is the one it takes
        for (PendingWrite next; (next = pending.peek()) != null; ) {
            if (!batch.isEmpty() && total + next.bytes > maxBytes) {
                break;
            }
            pending.poll();
            batch.add(next);
            total += next.bytes;
        }
        return batch;
    }

    /**
     * Marks written (or failed) appends done. Under {@code always}, a written append becomes a force
     * waiter and sleeps on until a force covers it, and a failed one is woken now; under the other
     * policies its appender finds it done once it gets the lock. The holder forces after its turn if its
     * own append, written in this batch, is to be forced; otherwise (an unforced append, or one left for
     * a later turn that may fail) the first force waiter is woken to lead the force, or it would sleep
     * until some later append forced.
     */
    void complete(List<PendingWrite> batch, PendingWrite holder) {
        boolean holderForces = false;
        PendingWrite firstForceWaiter = null;
        for (PendingWrite write : batch) {
            boolean awaitsForce = always && write.error == null && write.forced;
            if (awaitsForce) {
                groupCommit.register(write);
                if (write == holder) {
                    holderForces = true;
                } else if (firstForceWaiter == null) {
                    firstForceWaiter = write;
                }
            }
            write.done = true;
            if (always && !awaitsForce && write != holder) {
                LockSupport.unpark(write.thread);
            }
        }
        if (firstForceWaiter != null && !holderForces) {
            LockSupport.unpark(firstForceWaiter.thread);
        }
    }

    /** Appends queued and not yet taken by a writer (tests wait on it; nothing else reads it). */
    int waiting() {
        return pending.size();
    }

    void fail(List<PendingWrite> batch, WriteAheadLogException error, PendingWrite holder) {
        for (PendingWrite write : batch) {
            write.error = error;
        }
        complete(batch, holder);
    }
}
