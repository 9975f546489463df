package streamline.wal.file;

import java.util.UUID;

/**
 * Where the records of the unfinished sessions are: per session, the sequence, segment and offset
 * of each record. The records themselves stay on disk. Segment 0 means "in the snapshot", found by
 * sequence through the snapshot's index. The sessions of the snapshot the log was opened with are
 * kept apart ({@link SnapshotSessions}); shards of a table hold the records written since ({@link SessionTable}).
 * Neither holds an object per session.
 */
final class LiveIndex {

    /** Receives a record's location. */
    interface LocationVisitor {
        void visit(long sequence, int segment, long offset);
    }

    private static final int SHARD_BITS = 6;

    /**
     * The sessions written since the snapshot, in shards: a table that grows copies itself inside the
     * append that fills it (holding the log's write lock), and a shard is a 64th of the whole; a
     * checkpoint visiting the index holds one shard at a time.
     */
    private final SessionTable[] shards = new SessionTable[1 << SHARD_BITS];
    private volatile SnapshotSessions snapshotSessions = SnapshotSessions.EMPTY;
    private volatile boolean recovered;

    LiveIndex() {
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new SessionTable();
        }
    }

    private SessionTable shard(long mixed) {
        // the mixed id's top bits: the table takes its slot from the low ones
        return shards[(int) (mixed >>> (64 - SHARD_BITS))];
    }

    /** Sets the sessions of the snapshot the log was opened with; before any other record is added. */
    void recovered(SnapshotSessions fromSnapshot) {
        if (sizeHint() > 0 || recovered) {
            throw new IllegalStateException("the snapshot's sessions come first, and once");
        }
        recovered = true;
        snapshotSessions = fromSnapshot;
    }

    void add(UUID session, long sequence, int segment, long offset) {
        add(session.getMostSignificantBits(), session.getLeastSignificantBits(), sequence, segment, offset);
    }

    void add(long sessionHigh, long sessionLow, long sequence, int segment, long offset) {
        long mixed = SessionTable.mix(sessionHigh, sessionLow);
        shard(mixed).add(sessionHigh, sessionLow, mixed, sequence, segment, offset);
    }

    void finish(UUID session) {
        finish(session.getMostSignificantBits(), session.getLeastSignificantBits());
    }

    void finish(long sessionHigh, long sessionLow) {
        long mixed = SessionTable.mix(sessionHigh, sessionLow);
        shard(mixed).finish(sessionHigh, sessionLow, mixed);
        if (snapshotSessions.finish(sessionHigh, sessionLow)) {
            // the snapshot's sessions all finished: its arrays (about 40 MB for a million sessions) can go
            snapshotSessions = SnapshotSessions.EMPTY;
        }
    }

    /**
     * Whether sessions of the snapshot the log opened with are still unfinished (their arrays still held);
     * tests read it, nothing else does.
     */
    boolean holdsSnapshotSessions() {
        return snapshotSessions != SnapshotSessions.EMPTY;
    }

    /**
     * Whether the index holds exactly the records of the snapshot the log was opened with: none of its
     * sessions finished, and no record was added since. Called holding the log's write lock.
     */
    boolean onlyTheSnapshotsRecords() {
        // EMPTY: there was no snapshot, or all its sessions finished
        if (snapshotSessions == SnapshotSessions.EMPTY || !snapshotSessions.noneFinished()) {
            return false;
        }
        for (SessionTable shard : shards) {
            if (shard.sessions() > 0) {
                return false;
            }
        }
        return true;
    }

    /** At least the number of unfinished sessions (a snapshot session with later records counts twice): for sizing. */
    int sizeHint() {
        int count = snapshotSessions.liveSessions();
        for (SessionTable shard : shards) {
            count += shard.sessions();
        }
        return count;
    }

    /** The number of unfinished sessions. */
    int sessionCount() {
        SnapshotSessions fromSnapshot = snapshotSessions;
        int[] count = {fromSnapshot.liveSessions()};
        for (SessionTable shard : shards) {
            shard.forEachSession((sessionHigh, sessionLow) -> {
                if (!fromSnapshot.isLive(sessionHigh, sessionLow)) {
                    count[0]++;
                }
            });
        }
        return count[0];
    }

    /**
     * Visits every record with a sequence up to {@code maxSequence}. Weakly consistent: a session that
     * finishes meanwhile may or may not be visited; a checkpoint forces the log after its visit, so the
     * finish record of a session it left out is durable before its snapshot replaces any file.
     */
    void forEachRecord(long maxSequence, LocationVisitor visitor) {
        snapshotSessions.forEachRecord(maxSequence, visitor);
        for (SessionTable shard : shards) {
            shard.forEachRecord(maxSequence, visitor);
        }
    }
}
