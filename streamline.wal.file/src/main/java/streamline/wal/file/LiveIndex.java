package streamline.wal.file;

import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the records of the unfinished sessions are: per session, the sequence, segment and offset
 * of each record. The records themselves stay on disk. Segment 0 means "in the snapshot", found by
 * sequence through the snapshot's index.
 */
final class LiveIndex {

    /**
     * The records of one session; guarded by its own monitor. The first record is held in fields
     * (most sessions recovered from a snapshot have one), later ones in primitive arrays.
     */
    static final class SessionRecords {
        private long firstSequence;
        private long firstOffset;
        private int firstSegment;
        private int count;
        private long[] sequences;
        private int[] segments;
        private long[] offsets;

        synchronized void add(long sequence, int segment, long offset) {
            if (count == 0) {
                firstSequence = sequence;
                firstSegment = segment;
                firstOffset = offset;
            } else {
                int i = count - 1;
                if (sequences == null) {
                    sequences = new long[4];
                    segments = new int[4];
                    offsets = new long[4];
                } else if (i == sequences.length) {
                    sequences = Arrays.copyOf(sequences, i * 2);
                    segments = Arrays.copyOf(segments, i * 2);
                    offsets = Arrays.copyOf(offsets, i * 2);
                }
                sequences[i] = sequence;
                segments[i] = segment;
                offsets[i] = offset;
            }
            count++;
        }

        synchronized void forEach(long maxSequence, LocationVisitor visitor) {
            if (count > 0 && firstSequence <= maxSequence) {
                visitor.visit(firstSequence, firstSegment, firstOffset);
            }
            for (int i = 0; i < count - 1; i++) {
                if (sequences[i] <= maxSequence) {
                    visitor.visit(sequences[i], segments[i], offsets[i]);
                }
            }
        }
    }

    /** Receives a record's location. */
    interface LocationVisitor {
        void visit(long sequence, int segment, long offset);
    }

    private volatile ConcurrentHashMap<UUID, SessionRecords> sessions = new ConcurrentHashMap<>();

    /**
     * Sizes the index for about {@code sessions} sessions while it is still empty (at recovery), so
     * it does not rehash step by step while a large snapshot is read.
     */
    void expect(int sessions) {
        if (this.sessions.isEmpty() && sessions > 0) {
            this.sessions = new ConcurrentHashMap<>(sessions);
        }
    }

    void add(UUID session, long sequence, int segment, long offset) {
        sessions.computeIfAbsent(session, s -> new SessionRecords()).add(sequence, segment, offset);
    }

    void finish(UUID session) {
        sessions.remove(session);
    }

    int sessionCount() {
        return sessions.size();
    }

    /**
     * Visits every record with a sequence up to {@code maxSequence}. Weakly consistent: a session that
     * finishes meanwhile may or may not be visited, which is harmless for a checkpoint (its finish
     * record comes after the checkpoint and drops it again at recovery).
     */
    void forEachRecord(long maxSequence, LocationVisitor visitor) {
        for (SessionRecords records : sessions.values()) {
            records.forEach(maxSequence, visitor);
        }
    }
}
