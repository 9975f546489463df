package streamline.wal.file;

import java.util.Arrays;

/**
 * Sequence numbers in ascending order, each with a long value (a file offset, a position), or a plain
 * set of them: primitive arrays, 16 (or 8) bytes a sequence. Built by appending, then {@link #seal()}
 * sorts if they did not come in order (a snapshot is written, and so read back, in order); then read
 * only, by any number of threads. A scan in ascending order looks up with a {@link Cursor} in constant
 * time; other lookups binary-search.
 */
final class SortedSequences {

    private static final int INSERTION_SORT_BELOW = 16;

    private long[] sequences;
    /** Null for a set. */
    private long[] values;
    private int size;
    private boolean ascending = true;

    private SortedSequences(int expected, boolean withValues) {
        sequences = new long[Math.max(16, expected)];
        values = withValues ? new long[sequences.length] : null;
    }

    /** Sequences with a value each. */
    SortedSequences(int expected) {
        this(expected, true);
    }

    /** A set of sequences, without values. */
    static SortedSequences set(int expected) {
        return new SortedSequences(expected, false);
    }

    /** Adds a sequence (not yet here); a set ignores the value. */
    void add(long sequence, long value) {
        if (size == sequences.length) {
            sequences = Arrays.copyOf(sequences, size * 2);
            if (values != null) {
                values = Arrays.copyOf(values, size * 2);
            }
        }
        if (size > 0 && sequence <= sequences[size - 1]) {
            ascending = false;
        }
        sequences[size] = sequence;
        if (values != null) {
            values[size] = value;
        }
        size++;
    }

    /** Ends the building: sorts if the sequences did not come in order and trims the arrays. */
    SortedSequences seal() {
        if (!ascending) {
            if (values == null) {
                Arrays.sort(sequences, 0, size);
            } else {
                sortPairs(sequences, values, 0, size);
            }
            ascending = true;
        }
        if (sequences.length > size + size / 8 + 16) {
            sequences = Arrays.copyOf(sequences, size);
            if (values != null) {
                values = Arrays.copyOf(values, size);
            }
        }
        return this;
    }

    int size() {
        return size;
    }

    /** The value of a sequence, or -1 if it is not here (or this is a set). */
    long get(long sequence) {
        int i = Arrays.binarySearch(sequences, 0, size, sequence);
        return i >= 0 && values != null ? values[i] : -1;
    }

    /** The sequence at a position of the ascending order. */
    long sequenceAt(int position) {
        return sequences[position];
    }

    /** The value at a position of the ascending order; not for a set. */
    long valueAt(int position) {
        return values[position];
    }

    /** Looks up an ascending series of sequences in constant time each; one cursor per scan. */
    Cursor cursor() {
        return new Cursor();
    }

    final class Cursor {
        private int next;

        /** Whether {@code sequence} is here; any order works, ascending order is fastest. */
        boolean contains(long sequence) {
            if (next > 0 && sequence <= sequences[next - 1]) {
                return Arrays.binarySearch(sequences, 0, size, sequence) >= 0; // went back: look it up
            }
            while (next < size && sequences[next] < sequence) {
                next++;
            }
            if (next < size && sequences[next] == sequence) {
                next++;
                return true;
            }
            return false;
        }
    }

    /** Sorts {@code keys[from, to)} (distinct) ascending, moving each value with its key: a quicksort. */
    private static void sortPairs(long[] keys, long[] values, int from, int to) {
        while (to - from > INSERTION_SORT_BELOW) {
            int middle = (from + to) >>> 1;
            long pivot = medianOf(keys[from], keys[middle], keys[to - 1]);
            int i = from;
            int j = to - 1;
            while (i <= j) {
                while (keys[i] < pivot) {
                    i++;
                }
                while (keys[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(keys, values, i++, j--);
                }
            }
            // recurse into the smaller part, loop on the larger: the stack stays logarithmic
            if (j + 1 - from < to - i) {
                sortPairs(keys, values, from, j + 1);
                from = i;
            } else {
                sortPairs(keys, values, i, to);
                to = j + 1;
            }
        }
        for (int i = from + 1; i < to; i++) {
            for (int j = i; j > from && keys[j - 1] > keys[j]; j--) {
                swap(keys, values, j - 1, j);
            }
        }
    }

    private static long medianOf(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    private static void swap(long[] keys, long[] values, int i, int j) {
        long key = keys[i];
        keys[i] = keys[j];
        keys[j] = key;
        long value = values[i];
        values[i] = values[j];
        values[j] = value;
    }
}
