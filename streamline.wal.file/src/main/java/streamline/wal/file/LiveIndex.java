package streamline.wal.file;

import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the records of the unfinished sessions are: per session, the sequence, segment and offset
 * of each record. The records themselves stay on disk. Segment 0 means "in the snapshot", found by
 * sequence through the snapshot's index. The sessions of the snapshot the log was opened with are
 * kept apart in primitive arrays ({@link SnapshotSessions}); a map holds the records written since.
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

    private static final int SHARD_BITS = 6;

    /**
     * The sessions written since the snapshot, in shards: a map that grows doubles its table inside
     * the put that crosses its threshold, and that put (an append, holding the log's write lock)
     * moves every entry: measured at 3M sessions, the worst put took 170 ms in one map and 4 ms in
     * 64 shards.
     */
    @SuppressWarnings("unchecked")
    private final ConcurrentHashMap<UUID, SessionRecords>[] shards = new ConcurrentHashMap[1 << SHARD_BITS];
    private volatile SnapshotSessions snapshotSessions = SnapshotSessions.EMPTY;

    LiveIndex() {
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new ConcurrentHashMap<>();
        }
    }

    private ConcurrentHashMap<UUID, SessionRecords> shard(UUID session) {
        // the hash's top bits: the map itself indexes by its low bits
        return shards[(session.hashCode() * 0x9E3779B9) >>> (32 - SHARD_BITS)];
    }

    /** Sets the sessions of the snapshot the log was opened with; before any other record is added. */
    void recovered(SnapshotSessions fromSnapshot) {
        if (sizeHint() > 0 || snapshotSessions != SnapshotSessions.EMPTY) {
            throw new IllegalStateException("the snapshot's sessions come first, and once");
        }
        snapshotSessions = fromSnapshot;
    }

    void add(UUID session, long sequence, int segment, long offset) {
        shard(session).computeIfAbsent(session, s -> new SessionRecords()).add(sequence, segment, offset);
    }

    void finish(UUID session) {
        shard(session).remove(session);
        snapshotSessions.finish(session.getMostSignificantBits(), session.getLeastSignificantBits());
    }

    /** At least the number of unfinished sessions (a snapshot session with later records counts twice): for sizing. */
    int sizeHint() {
        int count = snapshotSessions.liveSessions();
        for (ConcurrentHashMap<UUID, SessionRecords> shard : shards) {
            count += shard.size();
        }
        return count;
    }

    /** The number of unfinished sessions. */
    int sessionCount() {
        SnapshotSessions fromSnapshot = snapshotSessions;
        int count = fromSnapshot.liveSessions();
        for (ConcurrentHashMap<UUID, SessionRecords> shard : shards) {
            for (UUID session : shard.keySet()) {
                if (!fromSnapshot.isLive(session.getMostSignificantBits(), session.getLeastSignificantBits())) {
                    count++;
                }
            }
        }
        return count;
    }

    /**
     * Visits every record with a sequence up to {@code maxSequence}. Weakly consistent: a session that
     * finishes meanwhile may or may not be visited, which is harmless for a checkpoint (its finish
     * record comes after the checkpoint and drops it again at recovery).
     */
    void forEachRecord(long maxSequence, LocationVisitor visitor) {
        snapshotSessions.forEachRecord(maxSequence, visitor);
        for (ConcurrentHashMap<UUID, SessionRecords> shard : shards) {
            for (SessionRecords records : shard.values()) {
                records.forEach(maxSequence, visitor);
            }
        }
    }
}
