package streamline.wal.file;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;

/**
 * Writes the primitives an entry is made of (bytes, big-endian longs, UUIDs, varints, varint-prefixed
 * UTF-8 strings) into a growable array; {@link EntryInput} reads them back. Cheaper than a
 * DataOutputStream for small records.
 */
final class EntryOutput {

    private byte[] buffer;
    private int size;

    EntryOutput(int capacity) {
        buffer = new byte[capacity];
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }

    void u8(int value) {
        ensure(1);
        buffer[size++] = (byte) value;
    }

    void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
    }

    void longValue(long value) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buffer[size++] = (byte) (value >>> shift);
        }
    }

    void uuid(UUID id) {
        longValue(id.getMostSignificantBits());
        longValue(id.getLeastSignificantBits());
    }

    void varint(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buffer[size++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buffer[size++] = (byte) value;
    }

    /** A varint length, then the bytes. */
    void lengthPrefixed(byte[] bytes) {
        varint(bytes.length);
        raw(bytes);
    }

    /**
     * @throws IllegalArgumentException if the text holds an unpaired surrogate: the encoder would write {@code ?}
     *         in its place
     */
    void string(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                checkSurrogatesPaired(s);
                break;
            }
        }
        lengthPrefixed(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void checkSurrogatesPaired(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("the text \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s)
                        + "\" holds an unpaired surrogate (U+" + Integer.toHexString(c).toUpperCase(Locale.ROOT)
                        + " at index " + i + "), which UTF-8 cannot carry");
            }
        }
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }
}
