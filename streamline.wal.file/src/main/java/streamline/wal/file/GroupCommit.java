package streamline.wal.file;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.WriteAheadLogException;

/**
 * Forces written bytes to disk for many appenders at once. Whoever wins {@code forcing} leads: it
 * captures how far the log is written (taking the write lock briefly), forces once for everyone
 * written by then, and wakes the waiters it covered; the others park, each on its own, so that waking
 * them costs no contended lock. Positions are bytes appended since the log opened.
 */
final class GroupCommit {

    private static final Logger LOG = LogManager.getLogger(GroupCommit.class);

    /** A thread waiting until the log is forced up to {@code target}. */
    static class Waiter {
        final Thread thread = Thread.currentThread();
        volatile long target;

        Waiter(long target) {
            this.target = target;
        }
    }

    /** What a force covers: everything written so far (up to {@code lastSequence}), all in the segment open now. */
    record ForcePoint(long writtenTotal, long lastSequence, FileChannel channel, long segmentNumber, Path file) {
    }

    /** The segment writer, as the leader of a force sees it. */
    interface Segments {
        /** Hands buffered records to the OS and tells what a force now covers; takes the write lock. */
        ForcePoint forcePoint();

        /**
         * Forces the segment again through a new channel after the old one was closed under a force.
         *
         * @return whether the bytes up to the captured point are now forced
         */
        boolean forceReopened(long segmentNumber);

        /** How far the log is written now; takes the write lock. */
        long writtenTotal();

        /** A force failed: the log fails for good, and what the failing appenders wrote is cut off; takes the write lock. */
        void forceFailed(WriteAheadLogException failure);
    }

    private final Path directory;
    private final LogHealth health;
    private final Segments segments;
    private final AtomicLong forcedTotal = new AtomicLong();
    private final AtomicBoolean forcing = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final DurableSequences durable;

    /** @param lastSequence the last sequence recovery found: the files hold it */
    GroupCommit(Path directory, LogHealth health, Segments segments, long lastSequence) {
        this.directory = directory;
        this.health = health;
        this.segments = segments;
        this.durable = new DurableSequences(lastSequence);
        health.whenFailed(durable::end);
    }

    /** Completes once the entry of {@code sequence} and every one before it are forced. */
    CompletionStage<Void> whenDurable(long sequence) {
        return durable.when(sequence);
    }

    /** Policy {@code never}: everything up to {@code sequence} is with the OS, as durable as that policy makes it. */
    void handedToOs(long sequence) {
        durable.reached(sequence);
    }

    /** The log closed: what was not forced by then never will be by this log. */
    void closed(WriteAheadLogException why) {
        durable.end(why);
    }

    /** Registers a waiter whose bytes are written, before it is marked done: a force finishing from now on sees it. */
    void register(Waiter waiter) {
        waiters.add(waiter);
    }

    /** How far the log is known forced. */
    long forcedTotal() {
        return forcedTotal.get();
    }

    /** Everything up to {@code upTo} bytes, the entries up to {@code lastSequence}, is forced. */
    void markForced(long upTo, long lastSequence) {
        durable.reached(lastSequence); // first: an appender that sees its bytes forced finds its entry durable too
        forcedTotal.accumulateAndGet(upTo, Math::max);
    }

    /**
     * Waits until everything up to the waiter's target is forced. The first waiter that finds no force
     * running forces for everyone written so far; the others park until woken.
     *
     * @param registered whether the waiter is registered already
     */
    void await(Waiter me, boolean registered) throws WriteAheadLogException {
        long target = me.target;
        if (forcedTotal.get() >= target) {
            if (registered) {
                waiters.remove(me);
            }
            return;
        }
        if (!registered) {
            waiters.add(me); // registered before checking, so a leader finishing now unparks us
        }
        boolean interrupted = false;
        try {
            while (forcedTotal.get() < target) {
                health.checkUsable();
                if (forcing.compareAndSet(false, true)) {
                    try {
                        forceAsLeader();
                    } finally {
                        forcing.set(false);
                        wakeWaiters();
                    }
                } else {
                    LockSupport.park(this);
                    // the bytes are written; giving up on an interrupt would break the durability promise
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            waiters.remove(me);
            if (interrupted) {
                me.thread.interrupt();
            }
        }
    }

    /**
     * Wakes the waiters whose bytes are forced now, and one more whose bytes are not, to lead the next
     * force (every waiter's bytes were written before it registered, so that force covers them all);
     * the rest sleep on instead of waking only to wait again. After a failure or close, wakes all.
     */
    void wakeWaiters() {
        long forced = forcedTotal.get();
        boolean wakeAll = health.closed() || health.failed();
        boolean leaderWoken = false;
        for (Waiter waiter : waiters) {
            if (wakeAll || waiter.target <= forced) {
                LockSupport.unpark(waiter.thread);
            } else if (!leaderWoken) {
                LockSupport.unpark(waiter.thread);
                leaderWoken = true;
            }
        }
    }

    /** Policy {@code interval}: forces what is written by now, joining a force that runs. */
    void forceInBackground() {
        try {
            await(new Waiter(segments.writtenTotal()), false);
        } catch (WriteAheadLogException e) {
            LOG.debug("interval force skipped: {}", e.getMessage());
        }
    }

    private void forceAsLeader() {
        ForcePoint point = segments.forcePoint();
        if (health.failed()) {
            // the point's buffered appends could not be handed to the file (or the log failed meanwhile): forcing the
            // file would not make them durable, so this force counts for no one (the waiters are told the log failed)
            return;
        }
        IOException error = null;
        boolean counted = true;
        boolean interrupted = Thread.interrupted();
        try {
            point.channel().force(false);
        } catch (ClosedChannelException e) {
            // closed by a roll (which forced it first), by close, or by an interrupt
            counted = segments.forceReopened(point.segmentNumber());
        } catch (IOException e) {
            error = e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (error != null) {
            segments.forceFailed(new WriteAheadLogException("cannot force " + point.file() + " to disk: " + error, error));
            LOG.error("write-ahead log in {} failed to force its segment; it refuses appends from now on", directory, error);
        } else if (counted) {
            markForced(point.writtenTotal(), point.lastSequence());
        }
    }
}
