package streamline.wal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads a file's records in order and checks each checksum, stopping at the first record that is
 * torn or corrupt. One scanner reads one file range; not thread-safe.
 */
final class RecordScanner {

    /**
     * Receives each good record. The payload lies between the buffer's position and limit, and the
     * buffer (the same object for every record) is valid only during the call.
     */
    interface Visitor {
        void record(long sequence, long offset, ByteBuffer payload) throws IOException;
    }

    /**
     * Where and why scanning stopped before the end of the range. {@code padding}: only zeros from
     * here on, the unused rest of a preallocated segment; not damage at all.
     */
    record Damage(long offset, long end, boolean tornTail, boolean padding, String reason) {
        long bytes() {
            return end - offset;
        }
    }

    /**
     * Read size: below half of the collector's smallest region (1 MiB in G1), so that a scan's buffer is an
     * ordinary young object and not a humongous one, each of which can start a concurrent collection cycle.
     */
    private static final int CHUNK = 256 * 1024;

    private final FileChannel channel;
    private final long end;
    private ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
    /** The view of the buffer each payload is shown through: one per buffer, not one per record. */
    private ByteBuffer view = buffer.duplicate();
    private final RecordChecksum checksum = new RecordChecksum();
    /** The file offset of buffer position 0. */
    private long bufferStart;

    private RecordScanner(FileChannel channel, long start, long end) {
        this.channel = channel;
        this.end = end;
        this.bufferStart = start;
        buffer.limit(0);
    }

    /**
     * Scans the records from {@code start} to {@code end}.
     *
     * @return {@code null} if every record was good; otherwise the damage. It is a <em>torn tail</em>
     *         when nothing after it can be a good record: the record runs past the end, its header is
     *         incomplete, or only zero bytes follow (what a crash in the middle of a write leaves).
     */
    static Damage scan(FileChannel channel, long start, long end, Visitor visitor) throws IOException {
        return new RecordScanner(channel, start, end).run(start, visitor);
    }

    private Damage run(long start, Visitor visitor) throws IOException {
        long offset = start;
        while (offset < end) {
            if (!ensure(offset, WalFiles.RECORD_HEADER_SIZE)) {
                // fewer bytes than a header: the start of a torn record, even if they are zeros
                return new Damage(offset, end, true, false, "incomplete record header");
            }
            int at = (int) (offset - bufferStart);
            int length = buffer.getInt(at);
            int crc = buffer.getInt(at + 4);
            long sequence = buffer.getLong(at + 8);
            if (length == 0 && onlyZerosAfter(offset)) {
                return new Damage(offset, end, true, true, "zero padding");
            }
            if (length < 1 || length > WalFiles.MAX_PAYLOAD) {
                return damage(offset, offset + WalFiles.RECORD_HEADER_SIZE, "impossible record length " + length);
            }
            int total = WalFiles.RECORD_HEADER_SIZE + length;
            if (offset + total > end) {
                return new Damage(offset, end, true, false, "record of " + total + " bytes runs past the end");
            }
            ensure(offset, total);
            at = (int) (offset - bufferStart);
            ByteBuffer payload = view.clear().position(at + WalFiles.RECORD_HEADER_SIZE).limit(at + total);
            if (checksum.of(length, sequence, payload) != crc) {
                return damage(offset, offset + total, "checksum mismatch in record " + sequence);
            }
            visitor.record(sequence, offset, payload);
            offset += total;
        }
        return null;
    }

    /** Makes {@code needed} bytes from {@code offset} available in the buffer; false if the range ends first. */
    private boolean ensure(long offset, int needed) throws IOException {
        if (bufferStart + buffer.limit() - offset >= needed) {
            return true;
        }
        if (needed > buffer.capacity()) {
            buffer = ByteBuffer.allocate(needed);
            buffer.limit(0);
            view = buffer.duplicate();
            bufferStart = offset;
        }
        // keep the unread bytes, then read on from where they end
        ByteBuffer unread = buffer.duplicate();
        unread.position((int) (offset - bufferStart)).limit(buffer.limit());
        ByteBuffer fresh = buffer.duplicate().clear();
        fresh.put(unread);
        long readAt = offset + fresh.position();
        fresh.limit((int) Math.min(fresh.capacity(), fresh.position() + (end - readAt)));
        while (fresh.hasRemaining()) {
            int n = channel.read(fresh, readAt);
            if (n < 0) {
                break;
            }
            readAt += n;
        }
        buffer.position(0).limit(fresh.position());
        bufferStart = offset;
        return buffer.limit() >= needed;
    }

    /**
     * A bad record is a torn tail when only zeros follow it (from {@code after}): a write that a
     * crash cut short, in a preallocated or a growing file. Anything else after it is corruption.
     */
    private Damage damage(long offset, long after, String reason) throws IOException {
        return new Damage(offset, end, onlyZerosAfter(Math.min(after, end)), false, reason);
    }

    private boolean onlyZerosAfter(long offset) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
        long at = offset;
        while (at < end) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), end - at));
            int n = channel.read(zeros, at);
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (zeros.get(i) != 0) {
                    return false;
                }
            }
            at += n;
        }
        return true;
    }
}
