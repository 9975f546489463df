package streamline.wal.file;

import java.util.Arrays;

/**
 * One shard of the live index: unfinished sessions and the places of their records, in primitive
 * arrays. A million live sessions held as map nodes, keys and record objects were a hundred MB of
 * small objects the collector copied while promoting them and whose cards every append dirtied;
 * young collections at that size took 35-50 ms and stopped the appenders with them. Here they are a
 * few arrays per shard.
 * <p>
 * Sessions live in an open-addressing table (linear probing, deletion by shifting back, so no
 * tombstones); each session's slot points at its newest record in a pool of records chained from
 * newest to oldest. Finished sessions' records go to a free list. Both shrink again when mostly
 * empty, so a burst of sessions does not keep its memory. Guarded by its own monitor: appends change
 * it under the log's write lock, checkpoints and reads visit it, one shard at a time.
 */
final class SessionTable {

    private static final int MIN_CAPACITY = 16;

    // sessions: slot -> id (two halves) and newest record plus one; 0 marks an empty slot
    private long[] high = new long[MIN_CAPACITY];
    private long[] low = new long[MIN_CAPACITY];
    private int[] newest = new int[MIN_CAPACITY];
    private int mask = MIN_CAPACITY - 1;
    private int sessions;

    // records: index -> sequence, segment, offset, and the session's older record plus one (0: none),
    // or for a free record the next free one plus one
    private long[] sequences = new long[MIN_CAPACITY];
    private int[] segments = new int[MIN_CAPACITY];
    private long[] offsets = new long[MIN_CAPACITY];
    private int[] older = new int[MIN_CAPACITY];
    private int recordsUsed; // records 0..recordsUsed-1 have been handed out at least once
    private int records;     // of which this many are live
    private int firstFree;   // plus one; 0: none

    /** Receives a session's id. */
    interface SessionVisitor {
        void visit(long sessionHigh, long sessionLow);
    }

    /** Spreads an id over all bits: shard and slot are taken from different ends of it. */
    static long mix(long sessionHigh, long sessionLow) {
        long h = sessionHigh * 0x9E3779B97F4A7C15L ^ sessionLow;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        return h ^ (h >>> 32);
    }

    /** The slot holding the session, or the empty slot where it would go. */
    private int slotOf(long sessionHigh, long sessionLow, long mixed) {
        int slot = (int) mixed & mask;
        while (newest[slot] != 0 && (high[slot] != sessionHigh || low[slot] != sessionLow)) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    synchronized void add(long sessionHigh, long sessionLow, long mixed, long sequence, int segment, long offset) {
        int slot = slotOf(sessionHigh, sessionLow, mixed);
        if (newest[slot] == 0) {
            if ((sessions + 1) * 4L > (mask + 1) * 3L) { // over three quarters full
                rebuild((mask + 1) * 2);
                slot = slotOf(sessionHigh, sessionLow, mixed);
            }
            high[slot] = sessionHigh;
            low[slot] = sessionLow;
            sessions++;
        }
        int record = newRecord();
        sequences[record] = sequence;
        segments[record] = segment;
        offsets[record] = offset;
        older[record] = newest[slot];
        newest[slot] = record + 1;
    }

    private int newRecord() {
        records++;
        if (firstFree != 0) {
            int record = firstFree - 1;
            firstFree = older[record];
            return record;
        }
        if (recordsUsed == sequences.length) {
            int capacity = recordsUsed * 2;
            sequences = Arrays.copyOf(sequences, capacity);
            segments = Arrays.copyOf(segments, capacity);
            offsets = Arrays.copyOf(offsets, capacity);
            older = Arrays.copyOf(older, capacity);
        }
        return recordsUsed++;
    }

    /** Forgets a session and its records; nothing if it is not here. */
    synchronized void finish(long sessionHigh, long sessionLow, long mixed) {
        int slot = slotOf(sessionHigh, sessionLow, mixed);
        if (newest[slot] == 0) {
            return;
        }
        int record = newest[slot];
        while (record != 0) {
            int next = older[record - 1];
            older[record - 1] = firstFree;
            firstFree = record;
            records--;
            record = next;
        }
        removeSlot(slot);
        sessions--;
        if (mask + 1 > MIN_CAPACITY && sessions * 8L < mask + 1
                || recordsUsed > MIN_CAPACITY && records * 8L < recordsUsed) {
            rebuild(capacityFor(sessions));
        }
    }

    /** The table size for that many sessions: at most half full, so that it has room to grow before the next rebuild. */
    private static int capacityFor(int sessions) {
        return Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, sessions)) * 4);
    }

    /** Empties a slot, shifting later slots of the same probe run back so that every lookup still finds them. */
    private void removeSlot(int slot) {
        int hole = slot;
        int at = slot;
        while (true) {
            at = (at + 1) & mask;
            if (newest[at] == 0) {
                break;
            }
            int home = (int) mix(high[at], low[at]) & mask;
            // the entry at `at` may move to the hole if the hole lies on its probe path, from home to at
            if (((at - home) & mask) >= ((at - hole) & mask)) {
                high[hole] = high[at];
                low[hole] = low[at];
                newest[hole] = newest[at];
                hole = at;
            }
        }
        newest[hole] = 0;
    }

    /** Copies every session into a table of {@code capacity} slots and its records, compacted, into a new pool. */
    private void rebuild(int capacity) {
        long[] oldHigh = high;
        long[] oldLow = low;
        int[] oldNewest = newest;
        long[] oldSequences = sequences;
        int[] oldSegments = segments;
        long[] oldOffsets = offsets;
        int[] oldOlder = older;
        int poolCapacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, records)) * 2);
        high = new long[capacity];
        low = new long[capacity];
        newest = new int[capacity];
        mask = capacity - 1;
        sequences = new long[poolCapacity];
        segments = new int[poolCapacity];
        offsets = new long[poolCapacity];
        older = new int[poolCapacity];
        recordsUsed = 0;
        firstFree = 0;
        for (int from = 0; from < oldNewest.length; from++) {
            if (oldNewest[from] == 0) {
                continue;
            }
            int slot = slotOf(oldHigh[from], oldLow[from], mix(oldHigh[from], oldLow[from]));
            high[slot] = oldHigh[from];
            low[slot] = oldLow[from];
            // the chain is copied in its order: newest first, each record pointing at the next copied
            int previous = -1;
            for (int record = oldNewest[from]; record != 0; record = oldOlder[record - 1]) {
                int copy = recordsUsed++;
                sequences[copy] = oldSequences[record - 1];
                segments[copy] = oldSegments[record - 1];
                offsets[copy] = oldOffsets[record - 1];
                older[copy] = 0;
                if (previous < 0) {
                    newest[slot] = copy + 1;
                } else {
                    older[previous] = copy + 1;
                }
                previous = copy;
            }
        }
    }

    synchronized int sessions() {
        return sessions;
    }

    synchronized int records() {
        return records;
    }

    /** Visits every record with a sequence up to {@code maxSequence}, holding this shard meanwhile. */
    synchronized void forEachRecord(long maxSequence, LiveIndex.LocationVisitor visitor) {
        for (int slot = 0; slot <= mask; slot++) {
            for (int record = newest[slot]; record != 0; record = older[record - 1]) {
                if (sequences[record - 1] <= maxSequence) {
                    visitor.visit(sequences[record - 1], segments[record - 1], offsets[record - 1]);
                }
            }
        }
    }

    synchronized void forEachSession(SessionVisitor visitor) {
        for (int slot = 0; slot <= mask; slot++) {
            if (newest[slot] != 0) {
                visitor.visit(high[slot], low[slot]);
            }
        }
    }
}
