package streamline.wal.file;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import streamline.api.wal.WriteAheadLogException;

/**
 * Lays a batch's records out as a segment stores them (length, checksum, sequence, payload) in one direct
 * buffer, kept for the next batches up to {@link #RETAINED_BUFFER}; a larger batch gets a buffer of its own,
 * used once. Not thread-safe: guarded by the write lock.
 */
final class RecordEncoder {

    /** Buffers up to this size are kept for the next batches; a larger one is used once. */
    private static final int RETAINED_BUFFER = 4 << 20;

    private ByteBuffer retained = ByteBuffer.allocateDirect(64 * 1024);
    private final RecordChecksum checksum = new RecordChecksum();

    /**
     * The batch's records, numbered from {@code firstSequence}, ready to be written; {@code total} is their size.
     *
     * @throws WriteAheadLogException if there is no memory for the buffer ("Direct buffer memory"): the appends
     *         fail, and no appender waits forever
     */
    ByteBuffer encode(List<PendingWrite> batch, int total, long firstSequence, Path segmentFile) throws WriteAheadLogException {
        ByteBuffer buffer;
        try {
            buffer = buffer(total);
        } catch (OutOfMemoryError e) {
            throw new WriteAheadLogException("cannot append " + total + " bytes to " + segmentFile
                    + ": no memory for the write buffer (" + e.getMessage() + ")", e);
        }
        long sequence = firstSequence;
        for (PendingWrite write : batch) {
            for (byte[] payload : write.payloads) {
                buffer.putInt(payload.length).putInt(checksum.of(sequence, payload)).putLong(sequence).put(payload);
                sequence++;
            }
        }
        return buffer.flip();
    }

    private ByteBuffer buffer(int size) {
        if (size > RETAINED_BUFFER) {
            return ByteBuffer.allocateDirect(size); // used once: kept, it would hold that memory for the log's life
        }
        if (retained.capacity() < size) {
            retained = ByteBuffer.allocateDirect(Math.min(RETAINED_BUFFER, Math.max(size, retained.capacity() * 2)));
        }
        return retained.clear();
    }
}
