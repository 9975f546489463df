package streamline.wal.file;

import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the records of the unfinished sessions are: per session, the sequence, segment and offset
 * of each record (20 bytes a record, in primitive arrays). The records themselves stay on disk.
 * Segment 0 means "in the snapshot", found by sequence through the snapshot's index.
 */
final class LiveIndex {

    /** The records of one session; guarded by its own monitor. */
    static final class SessionRecords {
        long[] sequences = new long[4];
        int[] segments = new int[4];
        long[] offsets = new long[4];
        int count;

        synchronized void add(long sequence, int segment, long offset) {
            if (count == sequences.length) {
                int size = count * 2;
                sequences = Arrays.copyOf(sequences, size);
                segments = Arrays.copyOf(segments, size);
                offsets = Arrays.copyOf(offsets, size);
            }
            sequences[count] = sequence;
            segments[count] = segment;
            offsets[count] = offset;
            count++;
        }
    }

    /** Receives a record's location. */
    interface LocationVisitor {
        void visit(long sequence, int segment, long offset);
    }

    private final ConcurrentHashMap<UUID, SessionRecords> sessions = new ConcurrentHashMap<>();

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
            synchronized (records) {
                for (int i = 0; i < records.count; i++) {
                    if (records.sequences[i] <= maxSequence) {
                        visitor.visit(records.sequences[i], records.segments[i], records.offsets[i]);
                    }
                }
            }
        }
    }
}
