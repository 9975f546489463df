package streamline.wal.file;

import java.util.List;

import streamline.api.wal.LogEntry;

/**
 * How far the log is written: the last sequence given, the bytes written in all and since the last checkpoint. Gives
 * each written append its sequences and force target, and tells the live index where each entry lies. Separate from
 * {@link SegmentWriter}, which puts the bytes into a segment: this is the count kept over them, which force points,
 * checkpoints and the close read as well. Not thread-safe: guarded by the write lock of the {@link AppendQueue}.
 */
final class WrittenRecords {

    private final LiveIndex live;
    private long lastSequence;
    private long writtenTotal;
    private long bytesSinceCheckpoint;

    /** Numbers the records written from now on after {@code lastSequence}, the last one recovery found. */
    WrittenRecords(LiveIndex live, long lastSequence) {
        this.live = live;
        this.lastSequence = lastSequence;
    }

    long lastSequence() {
        return lastSequence;
    }

    /** The bytes written to the log's segments since it was opened, headers excluded. */
    long writtenTotal() {
        return writtenTotal;
    }

    long bytesSinceCheckpoint() {
        return bytesSinceCheckpoint;
    }

    /** A checkpoint covers everything written so far. */
    void checkpointed() {
        bytesSinceCheckpoint = 0;
    }

    /** A batch failed after its records may have reached the disk: their numbers are never given again. */
    void skip(List<PendingWrite> batch) {
        lastSequence += batch.stream().mapToInt(write -> write.payloads.length).sum(); // never reuse a number that may be on disk
    }

    /** Records where the batch's entries are, and each append's last sequence and force target. */
    void written(List<PendingWrite> batch, long segmentNumber, long start, long total) {
        long offset = start;
        long sequence = lastSequence + 1;
        for (PendingWrite write : batch) {
            for (int i = 0; i < write.payloads.length; i++) {
                LogEntry entry = write.entries.get(i);
                if (entry.kind() == LogEntry.Kind.SESSION_FINISHED) {
                    live.finish(entry.sessionId());
                } else {
                    live.add(entry.sessionId(), sequence, (int) segmentNumber, offset);
                }
                offset += WalFiles.RECORD_HEADER_SIZE + write.payloads[i].length;
                sequence++;
            }
            write.lastSequence = sequence - 1;
            write.target = writtenTotal + (offset - start);
        }
        lastSequence = sequence - 1;
        writtenTotal += total;
        bytesSinceCheckpoint += total;
    }
}
