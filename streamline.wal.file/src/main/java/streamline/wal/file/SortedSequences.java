package streamline.wal.file;

import java.util.Arrays;

/**
 * Sequence numbers in ascending order, each with a long value (a file offset): two primitive arrays,
 * 16 bytes a record. Built by appending (a snapshot is written, and so read back, in sequence order;
 * {@link #seal()} sorts if it was not), then read only, by any number of threads. A scan in
 * ascending order looks up with a {@link Cursor} in constant time; other lookups binary-search.
 */
final class SortedSequences {

    private long[] sequences;
    private long[] values;
    private int size;
    private boolean ascending = true;

    SortedSequences(int expected) {
        sequences = new long[Math.max(16, expected)];
        values = new long[sequences.length];
    }

    private SortedSequences(long[] sequences, int size) {
        this.sequences = sequences;
        this.size = size;
    }

    /** A set of sequences without values, taking over (and sorting) the first {@code size} of the array. */
    static SortedSequences setOf(long[] sequences, int size) {
        Arrays.sort(sequences, 0, size);
        return new SortedSequences(sequences, size);
    }

    void add(long sequence, long value) {
        if (size == sequences.length) {
            sequences = Arrays.copyOf(sequences, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        if (size > 0 && sequence <= sequences[size - 1]) {
            ascending = false;
        }
        sequences[size] = sequence;
        values[size] = value;
        size++;
    }

    /** Ends the building: sorts if the sequences did not come in order and trims the arrays. */
    SortedSequences seal() {
        if (!ascending) {
            sortBySequence();
            ascending = true;
        }
        if (sequences.length > size + size / 8 + 16) {
            sequences = Arrays.copyOf(sequences, size);
            values = Arrays.copyOf(values, size);
        }
        return this;
    }

    int size() {
        return size;
    }

    /** The value of a sequence, or -1 if it is not here (or this is a set without values). */
    long get(long sequence) {
        int i = Arrays.binarySearch(sequences, 0, size, sequence);
        return i >= 0 && values != null ? values[i] : -1;
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

    /** Sorts both arrays by sequence: sequences are unique, so sort pairs packed as indexes. */
    private void sortBySequence() {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        long[] keys = sequences;
        Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
        long[] sortedSequences = new long[size];
        long[] sortedValues = new long[size];
        for (int i = 0; i < size; i++) {
            sortedSequences[i] = sequences[order[i]];
            sortedValues[i] = values[order[i]];
        }
        sequences = sortedSequences;
        values = sortedValues;
    }
}
