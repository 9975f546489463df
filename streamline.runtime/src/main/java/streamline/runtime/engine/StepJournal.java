package streamline.runtime.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * The only writer to the write-ahead log, and the gate every write passes. Every write tells where it went
 * ({@link Written}), so that what a replay of it would need is deleted only once the log says it is durable. A step
 * runs inside the gate from its start to its last write; anything else that writes enters the gate for the write. A
 * switch of logs closes the gate (no step starts, running ones finish and are logged), so no write
 * goes to a log that is being left.
 */
final class StepJournal {

    private final StepGate gate = new StepGate();
    private final Duration quiesceLimit;
    private volatile WriteAheadLog log;
    /**
     * Read-held around every write, write-held to change the log: once {@link #use} returned, no write to the log
     * it replaced is in progress or begins (a switch that could not wait for running steps reads what the log
     * left holds only after that, so no step's write lands there unseen).
     */
    private final ReadWriteLock switching = new ReentrantReadWriteLock();
    /**
     * Set once the engine stopped and its running steps' grace is over: a step that still runs after that (its
     * processor ignored the interrupt) must not write into a log that the next engine may already read.
     */
    private volatile boolean retired;

    /** @param quiesceLimit how long a switch waits for running steps */
    StepJournal(Duration quiesceLimit) {
        this.quiesceLimit = quiesceLimit;
    }

    /** The log in use; null while none is (one went away and no other came yet). */
    WriteAheadLog log() {
        return log;
    }

    /** Writes go to {@code next} (none while null) from now on; returns once no write to the previous one is in progress. */
    void use(WriteAheadLog next) {
        switching.writeLock().lock();
        try {
            log = next;
        } finally {
            switching.writeLock().unlock();
        }
    }

    /**
     * Refuses every write from now on; returns once no write is in progress. The engine stopped: what its steps still
     * do is not logged, so the log shows them started and the next start runs them again.
     */
    void retire() {
        switching.writeLock().lock();
        try {
            retired = true;
        } finally {
            switching.writeLock().unlock();
        }
    }

    /**
     * Makes {@code change} (of the branch tracker's steps of a session) unless retired; null if retired. Read-held
     * like a write, so {@link #retire} returns only once no change is in progress: a change is made before the stop
     * forgets the engine's sessions in the tracker, a service the next engine of the process shares, or not at all.
     */
    <T> T unlessRetired(Supplier<T> change) {
        switching.readLock().lock();
        try {
            return retired ? null : change.get();
        } finally {
            switching.readLock().unlock();
        }
    }

    /** Whether {@link #retire} was called: nothing of this engine reaches the log any more. */
    boolean retired() {
        return retired;
    }

    /** The log in use, read-locked for one write; throws while there is none (a step then retries through the gate). */
    private WriteAheadLog lockedLog() throws WriteAheadLogException {
        switching.readLock().lock();
        if (retired) {
            switching.readLock().unlock();
            throw new WriteAheadLogException("the engine stopped: a step that ran on past the stop is not logged, it runs"
                    + " again after the next start");
        }
        WriteAheadLog current = log;
        if (current == null) {
            switching.readLock().unlock();
            throw new WriteAheadLogException("no write-ahead log in use: the one in use went away and no other came yet");
        }
        return current;
    }

    /** See {@link #lastWritten}: a write's sequence only grows within one log. */
    private volatile Written lastWritten = Written.NOTHING;

    /**
     * A write a log took: the log (the one in use then, whatever a switch did since) and its last entry's sequence.
     * Asked only by whoever waits for it to be durable: most writes never are.
     */
    record Written(WriteAheadLog log, long sequence) {
        /** Nothing was written: what there is was read from the log, durable as far as the engine can tell. */
        static final Written NOTHING = new Written(null, 0);

        /** The log's word on when the write is durable; a log that cannot say is taken as never saying it. */
        CompletionStage<Void> durable() {
            if (log == null) {
                return CompletableFuture.completedStage(null);
            }
            try {
                CompletionStage<Void> durable = log.whenDurable(sequence);
                return durable == null ? CompletableFuture.failedStage(new IllegalStateException(log
                        + " said nothing on when sequence " + sequence + " is durable")) : durable;
            } catch (RuntimeException e) {
                return CompletableFuture.failedStage(e);
            }
        }
    }

    private Written write(List<LogEntry> entries, boolean forced) throws WriteAheadLogException {
        WriteAheadLog current = lockedLog();
        try {
            Written written = new Written(current, forced ? current.appendAll(entries) : current.appendUnforced(entries));
            lastWritten = written;
            return written;
        } finally {
            switching.readLock().unlock();
        }
    }

    /** The latest write a log took (a later one of another thread may be durable first: callers ask for all so far). */
    Written lastWritten() {
        return lastWritten;
    }

    /** Writes from a thread outside the gate: waits while it is closed (a switch), then writes inside it. */
    Written append(List<LogEntry> entries) throws WriteAheadLogException, InterruptedException {
        gate.enter();
        try {
            return write(entries, true);
        } finally {
            gate.exit();
        }
    }

    /** Writes from a thread already inside the gate: a running step. */
    Written appendInside(List<LogEntry> entries) throws WriteAheadLogException {
        return write(entries, true);
    }

    /**
     * Writes entries the engine redoes if a crash of the machine loses them (the end of a successful session,
     * all of whose steps are logged complete: it is told to its trigger again and logged again), without
     * waiting for their force: the next forced write carries them.
     *
     * @param enterGate whether the caller is outside the gate (as for {@link #append}) or inside it
     */
    Written appendUnforced(List<LogEntry> entries, boolean enterGate) throws WriteAheadLogException, InterruptedException {
        if (!enterGate) {
            return write(entries, false);
        }
        gate.enter();
        try {
            return write(entries, false);
        } finally {
            gate.exit();
        }
    }

    /**
     * A writer outside the gate enters it for work that ends in a write and must not be cut between its start and that
     * write by a switch or a stop (which wait for it): inside until {@link #leave}. Waits while the gate is closed.
     */
    void enter() throws InterruptedException {
        gate.enter();
    }

    void leave() {
        gate.exit();
    }

    /** Whether the gate is closed: a switch of logs or a stop is under way (tests of this package wait on it). */
    boolean closed() {
        return gate.isClosed();
    }

    /** A step starts: inside the gate until {@link #stepDone}. */
    void stepStarts() throws InterruptedException {
        gate.enter();
    }

    void stepDone() {
        gate.exit();
    }

    /**
     * Closes the gate and waits for the running steps; the caller reopens it with {@link #reopen}.
     *
     * @throws WriteAheadLogException if they did not finish in time (the gate is open again)
     */
    void quiesce() throws WriteAheadLogException {
        try {
            if (!gate.close(quiesceLimit)) {
                gate.open();
                throw new WriteAheadLogException("steps did not finish within " + quiesceLimit + "; the write-ahead log was not swapped");
            }
        } catch (InterruptedException e) {
            gate.open();
            Thread.currentThread().interrupt();
            throw new WriteAheadLogException("interrupted while waiting for running steps; the write-ahead log was not swapped", e);
        }
    }

    /** Closes the gate at once, running steps or not (the log in use went away). */
    void forceClose() {
        gate.forceClose();
    }

    void reopen() {
        gate.open();
    }

    /**
     * Closes the gate for good (the engine stops), giving running steps {@code grace} to finish.
     *
     * @return whether they finished in time
     */
    boolean close(Duration grace) throws InterruptedException {
        return gate.close(grace);
    }
}
