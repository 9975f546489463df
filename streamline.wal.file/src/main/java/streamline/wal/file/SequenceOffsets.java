package streamline.wal.file;

/**
 * Sequence number to file offset, for the records of a snapshot: an open-addressing hash table of
 * primitive longs (16 bytes a record at most half full), since a boxed map of a million records
 * would cost ten times that.
 */
final class SequenceOffsets {

    private long[] keys;
    private long[] values;
    private int size;

    SequenceOffsets(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
    }

    /** @param sequence > 0 */
    void put(long sequence, long offset) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slot(sequence, mask);
        while (keys[i] != 0 && keys[i] != sequence) {
            i = (i + 1) & mask;
        }
        if (keys[i] == 0) {
            size++;
        }
        keys[i] = sequence;
        values[i] = offset;
    }

    /** The offset of a sequence, or -1. */
    long get(long sequence) {
        int mask = keys.length - 1;
        int i = slot(sequence, mask);
        while (keys[i] != 0) {
            if (keys[i] == sequence) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    int size() {
        return size;
    }

    private static int slot(long sequence, int mask) {
        long h = sequence * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }
}
