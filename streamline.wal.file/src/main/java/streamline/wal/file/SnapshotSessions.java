package streamline.wal.file;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The unfinished sessions a snapshot held when the log was opened, in primitive arrays: a million
 * recovered sessions cost a few large arrays instead of three objects each (a map node, a key, a
 * record list), which took half a second to build and then slowed every collection while the log
 * was open. Read-only once built, except that sessions are marked finished as their finish records
 * arrive. Records of the snapshot are found by sequence through the snapshot's own index, so only
 * their sequences are kept here.
 */
final class SnapshotSessions {

    static final SnapshotSessions EMPTY = new Builder(0).build();

    /** Collects the snapshot's records while it is scanned. */
    static final class Builder {
        private long[] high;
        private long[] low;
        private long[] sequences;
        private int count;

        /** @param expected a guess of the record count, so the arrays do not grow step by step */
        Builder(int expected) {
            int capacity = Math.max(16, expected);
            high = new long[capacity];
            low = new long[capacity];
            sequences = new long[capacity];
        }

        void add(long sessionHigh, long sessionLow, long sequence) {
            if (count == sequences.length) {
                int capacity = count * 2;
                high = Arrays.copyOf(high, capacity);
                low = Arrays.copyOf(low, capacity);
                sequences = Arrays.copyOf(sequences, capacity);
            }
            high[count] = sessionHigh;
            low[count] = sessionLow;
            sequences[count] = sequence;
            count++;
        }

        SnapshotSessions build() {
            return new SnapshotSessions(high, low, sequences, count);
        }
    }

    /** Per record: its session's id (two halves) and its sequence; records {@code 0..count-1}. */
    private final long[] high;
    private final long[] low;
    private final long[] sequences;
    private final int count;
    /** Per record: its session's slot. Records are visited in their order, the snapshot's (by sequence). */
    private final int[] recordSlot;
    /** Open addressing by session id: a session's first record plus one, 0 for an empty slot. */
    private final int[] slots;
    private final int mask;
    /** Per slot, one bit: the session finished after the snapshot. */
    private final AtomicLongArray finished;
    private final AtomicInteger liveSessions = new AtomicInteger();
    /** The number of sessions, finished or not. */
    private final int sessions;

    private SnapshotSessions(long[] high, long[] low, long[] sequences, int count) {
        this.high = high;
        this.low = low;
        this.sequences = sequences;
        this.count = count;
        this.recordSlot = new int[count];
        // at most half full, so probes stay short
        int capacity = Integer.highestOneBit(Math.max(2, count) * 2 - 1) << 1;
        this.slots = new int[capacity];
        this.mask = capacity - 1;
        this.finished = new AtomicLongArray((capacity + 63) >>> 6);
        int sessions = 0;
        for (int record = 0; record < count; record++) {
            int slot = slotOf(high[record], low[record]);
            if (slots[slot] == 0) {
                slots[slot] = record + 1;
                sessions++;
            }
            recordSlot[record] = slot;
        }
        liveSessions.set(sessions);
        this.sessions = sessions;
    }

    /** The slot holding the session, or the empty slot where it would go. */
    private int slotOf(long sessionHigh, long sessionLow) {
        int slot = (int) SessionTable.mix(sessionHigh, sessionLow) & mask;
        while (true) {
            int first = slots[slot] - 1;
            if (first < 0 || (high[first] == sessionHigh && low[first] == sessionLow)) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    private boolean isFinished(int slot) {
        return (finished.get(slot >>> 6) & (1L << slot)) != 0;
    }

    int liveSessions() {
        return liveSessions.get();
    }

    /** Whether no session here finished yet. */
    boolean noneFinished() {
        return liveSessions.get() == sessions;
    }

    boolean isLive(long sessionHigh, long sessionLow) {
        int slot = slotOf(sessionHigh, sessionLow);
        return slots[slot] != 0 && !isFinished(slot);
    }

    /**
     * Marks a session finished; nothing if it is not here or finished already.
     *
     * @return whether that finished the last live session here
     */
    boolean finish(long sessionHigh, long sessionLow) {
        if (count == 0) {
            return false;
        }
        int slot = slotOf(sessionHigh, sessionLow);
        if (slots[slot] == 0) {
            return false;
        }
        long bit = 1L << slot;
        long before = finished.getAndAccumulate(slot >>> 6, bit, (word, b) -> word | b);
        return (before & bit) == 0 && liveSessions.decrementAndGet() == 0;
    }

    /**
     * Visits the records of the sessions not finished, up to {@code maxSequence}, as snapshot records,
     * in the snapshot's order: ascending sequences, so what collects them needs no sort.
     */
    void forEachRecord(long maxSequence, LiveIndex.LocationVisitor visitor) {
        for (int record = 0; record < count; record++) {
            if (sequences[record] <= maxSequence && !isFinished(recordSlot[record])) {
                visitor.visit(sequences[record], 0, -1);
            }
        }
    }
}
