package streamline.wal.file;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import streamline.api.wal.WriteAheadLogException;

/**
 * Who waits for which sequence to be durable ({@link streamline.api.wal.WriteAheadLog#whenDurable}): told how far
 * the log is forced (or, under {@code never}, handed to the OS), it completes the waits that covers; told the log
 * failed or closed, it fails the rest. Waits are completed outside its monitor, which is innermost: a caller may
 * hold the write lock.
 */
final class DurableSequences {

    private record Wait(long sequence, CompletableFuture<Void> done) {
    }

    /** Guarded by this. */
    private final PriorityQueue<Wait> waits = new PriorityQueue<>((a, b) -> Long.compare(a.sequence, b.sequence));
    /** Guarded by this: every sequence up to this one is durable. */
    private long durable;
    /** Guarded by this: why no more sequence becomes durable, once the log failed or closed. */
    private WriteAheadLogException ended;

    /** @param recovered the last sequence found in the files at opening: what is there is taken as durable */
    DurableSequences(long recovered) {
        this.durable = recovered;
    }

    CompletionStage<Void> when(long sequence) {
        synchronized (this) {
            if (sequence <= durable) {
                return CompletableFuture.completedStage(null);
            }
            if (ended != null) {
                return CompletableFuture.failedStage(ended);
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            waits.add(new Wait(sequence, done));
            return done.minimalCompletionStage();
        }
    }

    /** Every sequence up to {@code sequence} is durable now. */
    void reached(long sequence) {
        List<Wait> due = new ArrayList<>();
        synchronized (this) {
            if (sequence <= durable) {
                return;
            }
            durable = sequence;
            while (!waits.isEmpty() && waits.peek().sequence <= sequence) {
                due.add(waits.poll());
            }
        }
        due.forEach(wait -> wait.done.complete(null));
    }

    /** No sequence becomes durable from now on (the log failed or closed): the waits left fail with {@code why}. */
    void end(WriteAheadLogException why) {
        List<Wait> left;
        synchronized (this) {
            if (ended == null) {
                ended = why;
            }
            left = new ArrayList<>(waits);
            waits.clear();
        }
        left.forEach(wait -> wait.done.completeExceptionally(why));
    }
}
