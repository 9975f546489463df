package streamline.wal.file;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Reads the primitives {@link EntryOutput} writes, from a heap buffer whose checksum already matched,
 * in place; a count or length that the bytes left cannot hold is an {@link IllegalArgumentException}.
 * The ids and names likely to repeat from entry to entry are taken from a {@link Vocabulary} when one is
 * given.
 */
final class EntryInput {

    private EntryInput() {
    }

    static UUID uuid(ByteBuffer in) {
        return new UUID(in.getLong(), in.getLong());
    }

    /** An id likely to repeat (a flow's, a processor's, a step's): taken from the vocabulary if it has it. */
    static UUID id(ByteBuffer in, Vocabulary vocabulary) {
        return vocabulary == null ? uuid(in) : vocabulary.id(in.getLong(), in.getLong());
    }

    /** A count or length: a varint from 0 to {@link Integer#MAX_VALUE}. */
    static int varint(ByteBuffer in) {
        long value = varlong(in);
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("count " + value + " out of range");
        }
        return (int) value;
    }

    static long varlong(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    static String string(ByteBuffer in) {
        int length = stringLength(in);
        String s = length == 0 ? "" : new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    /** A string likely to repeat (a processor name, a metadata key): taken from the vocabulary if it has it. */
    static String name(ByteBuffer in, Vocabulary vocabulary) {
        if (vocabulary == null) {
            return string(in);
        }
        int length = stringLength(in);
        String s = vocabulary.name(in.array(), in.arrayOffset() + in.position(), length);
        in.position(in.position() + length);
        return s;
    }

    private static int stringLength(ByteBuffer in) {
        int length = varint(in);
        if (length > in.remaining()) {
            throw new IllegalArgumentException("string of " + length + " bytes, only " + in.remaining() + " left");
        }
        return length;
    }

    /** The bytes {@link EntryOutput#lengthPrefixed} wrote. */
    static byte[] lengthPrefixed(ByteBuffer in) {
        int length = varint(in);
        if (length > in.remaining()) {
            throw new IllegalArgumentException("value of " + length + " bytes, only " + in.remaining() + " left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }
}
