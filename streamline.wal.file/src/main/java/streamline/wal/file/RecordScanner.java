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
     *         when no good record follows it (what a crash in the middle of a write leaves): its header is
     *         incomplete, or no later place holds a whole record with a matching checksum and a higher
     *         sequence. A bad record with a good one after it is corruption, whatever it looks like: a
     *         flipped bit in a length makes a record reach past the end, or into zeros, as a torn one would.
     */
    static Damage scan(FileChannel channel, long start, long end, Visitor visitor) throws IOException {
        return new RecordScanner(channel, start, end).run(start, visitor);
    }

    private Damage run(long start, Visitor visitor) throws IOException {
        long offset = start;
        long lastGood = Long.MIN_VALUE;
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
                return damage(offset, lastGood, "impossible record length " + length);
            }
            int total = WalFiles.RECORD_HEADER_SIZE + length;
            if (offset + total > end) {
                return damage(offset, lastGood, "record of " + total + " bytes runs past the end");
            }
            ensure(offset, total);
            at = (int) (offset - bufferStart);
            ByteBuffer payload = view.clear().position(at + WalFiles.RECORD_HEADER_SIZE).limit(at + total);
            if (checksum.of(length, sequence, payload) != crc) {
                return damage(offset, lastGood, "checksum mismatch in record " + sequence);
            }
            visitor.record(sequence, offset, payload);
            lastGood = sequence;
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
     * A bad record at {@code offset} is a torn tail when no good record follows it: a write that a crash cut
     * short, in a preallocated or a growing file. A good record after it means corruption.
     */
    private Damage damage(long offset, long lastGood, String reason) throws IOException {
        return new Damage(offset, end, !goodRecordAfter(offset + 1, lastGood), false, reason);
    }

    /**
     * Whether a whole record with a matching checksum and a sequence above {@code lastGood} starts anywhere
     * from {@code from} on. Records have no alignment, so every offset is tried; zeros and text fail the
     * length or sequence check at once, and only the rare place that passes both has its checksum computed.
     */
    private boolean goodRecordAfter(long from, long lastGood) throws IOException {
        ByteBuffer window = ByteBuffer.allocate(CHUNK);
        long base = from;
        while (end - base >= WalFiles.RECORD_HEADER_SIZE) {
            window.clear().limit((int) Math.min(window.capacity(), end - base));
            while (window.hasRemaining()) {
                if (channel.read(window, base + window.position()) < 0) {
                    break;
                }
            }
            int n = window.position();
            for (int i = 0; i + WalFiles.RECORD_HEADER_SIZE <= n; i++) {
                int length = window.getInt(i);
                if (length < 1 || length > WalFiles.MAX_PAYLOAD || base + i + WalFiles.RECORD_HEADER_SIZE + length > end) {
                    continue;
                }
                long sequence = window.getLong(i + 8);
                if (sequence > lastGood && sequence > 0 && isRecord(base + i, length, sequence, window.getInt(i + 4))) {
                    return true;
                }
            }
            if (n < WalFiles.RECORD_HEADER_SIZE) {
                return false;
            }
            base += n - WalFiles.RECORD_HEADER_SIZE + 1; // the next window starts where a header no longer fit in this one
        }
        return false;
    }

    private boolean isRecord(long offset, int length, long sequence, int crc) throws IOException {
        ByteBuffer payload = ByteBuffer.allocate(length);
        while (payload.hasRemaining()) {
            if (channel.read(payload, offset + WalFiles.RECORD_HEADER_SIZE + payload.position()) < 0) {
                return false;
            }
        }
        return checksum.of(length, sequence, payload.flip()) == crc;
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
