package streamline.wal.file;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Computes record checksums (CRC32C of the length, the sequence, then the payload) without
 * allocating: every append and every record a recovery or checkpoint reads is checked, and a new
 * checksum, prefix buffer and payload view each time came to about 150 bytes of garbage a record.
 * One per owner; not thread-safe.
 */
final class RecordChecksum {

    private final CRC32C crc = new CRC32C();
    private final ByteBuffer prefix = ByteBuffer.allocate(Integer.BYTES + Long.BYTES);

    /** The checksum of a record whose payload lies between the buffer's position and limit; the buffer is left as it was. */
    int of(int length, long sequence, ByteBuffer payload) {
        crc.reset();
        crc.update(prefix.clear().putInt(length).putLong(sequence).flip());
        int start = payload.position();
        crc.update(payload);
        payload.position(start);
        return (int) crc.getValue();
    }

    /** The checksum of a record whose payload is {@code payload}. */
    int of(long sequence, byte[] payload) {
        crc.reset();
        crc.update(prefix.clear().putInt(payload.length).putLong(sequence).flip());
        crc.update(payload, 0, payload.length);
        return (int) crc.getValue();
    }
}
