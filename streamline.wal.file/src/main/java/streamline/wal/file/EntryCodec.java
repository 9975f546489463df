package streamline.wal.file;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import streamline.api.flow.Values;
import streamline.api.wal.LogEntry;

/**
 * The binary form of a {@link LogEntry} inside a record. The kind and the session id come first,
 * at fixed offsets, so recovery can index a record without decoding the rest.
 *
 * <pre>
 * kind:u8 session:16 flow:16 hasProcessor:u8 [processor:16] processorName:str contentId:str
 * triggerMark:str error:str attempt:varint completedCount:varint completed:16* metadata:map
 * str = varint length + UTF-8; values are tagged (see TAG_*)
 * </pre>
 */
public final class EntryCodec {

    static final int KIND_OFFSET = 0;
    private static final int SESSION_OFFSET = 1;

    private static final LogEntry.Kind[] KINDS = LogEntry.Kind.values();

    private static final byte TAG_MAP = 0;
    private static final byte TAG_LIST = 1;
    private static final byte TAG_STRING = 2;
    private static final byte TAG_TRUE = 3;
    private static final byte TAG_FALSE = 4;
    private static final byte TAG_INT = 5;
    private static final byte TAG_LONG = 6;
    private static final byte TAG_DOUBLE = 7;
    private static final byte TAG_BIG_INTEGER = 8;
    private static final byte TAG_BIG_DECIMAL = 9;

    private EntryCodec() {
    }

    /**
     * The bytes of an entry as this log stores them.
     *
     * @throws IllegalArgumentException if a text holds an unpaired surrogate: UTF-8 cannot carry one, and
     *         the entry would come back with {@code ?} in its place
     */
    public static byte[] encode(LogEntry entry) {
        Output out = new Output(256);
        out.u8(entry.kind().ordinal());
        out.uuid(entry.sessionId());
        out.uuid(entry.flowId());
        if (entry.processorId() == null) {
            out.u8(0);
        } else {
            out.u8(1);
            out.uuid(entry.processorId());
        }
        out.string(entry.processorName());
        out.string(entry.contentId());
        out.string(entry.triggerMark());
        out.string(entry.error());
        out.varint(entry.attempt());
        out.varint(entry.completedSteps().size());
        for (UUID step : entry.completedSteps()) {
            out.uuid(step);
        }
        out.map(entry.metadata());
        return out.toByteArray();
    }

    static LogEntry.Kind kind(ByteBuffer payload) {
        return kindOf(payload.get(payload.position() + KIND_OFFSET));
    }

    static UUID sessionId(ByteBuffer payload) {
        return new UUID(sessionHigh(payload), sessionLow(payload));
    }

    /** The session id's most significant half, without making a {@link UUID}. */
    static long sessionHigh(ByteBuffer payload) {
        return payload.getLong(payload.position() + SESSION_OFFSET);
    }

    /** The session id's least significant half. */
    static long sessionLow(ByteBuffer payload) {
        return payload.getLong(payload.position() + SESSION_OFFSET + 8);
    }

    /**
     * Decodes a payload whose checksum already matched.
     *
     * @throws IllegalArgumentException if the bytes are not an entry of this format
     */
    public static LogEntry decode(long sequence, ByteBuffer payload) {
        return decode(sequence, payload, null);
    }

    /**
     * Decodes a payload, taking metadata keys, processor names, flow and processor ids from
     * {@code vocabulary} (if not null) when an earlier entry had them: stored once instead of per entry.
     */
    static LogEntry decode(long sequence, ByteBuffer payload, Vocabulary vocabulary) {
        // read in place, the position restored after: a slice per entry was a million garbage buffers per recovery
        ByteBuffer in = payload;
        int start = in.position();
        try {
            if (vocabulary != null) {
                vocabulary.nextEntry();
            }
            LogEntry.Kind kind = kindOf(in.get());
            UUID session = uuid(in);
            UUID flow = id(in, vocabulary);
            UUID processor = in.get() == 0 ? null : id(in, vocabulary);
            String processorName = name(in, vocabulary);
            String contentId = string(in);
            String triggerMark = string(in);
            String error = string(in);
            int attempt = varint(in);
            int completedCount = varint(in);
            if (completedCount > in.remaining() / 16) {
                throw new IllegalArgumentException(completedCount + " completed steps, only " + in.remaining() + " bytes left");
            }
            UUID[] completed = new UUID[completedCount];
            for (int i = 0; i < completedCount; i++) {
                completed[i] = id(in, vocabulary);
            }
            List<UUID> completedSteps = vocabulary == null ? List.of(completed) : vocabulary.completedSteps(completed);
            Map<String, Object> metadata = metadata(in, vocabulary);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes left after the entry");
            }
            return new LogEntry(sequence, kind, session, flow, processor, processorName, contentId, metadata,
                    triggerMark, attempt, completedSteps, error);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("entry " + sequence + " is cut short", e);
        } finally {
            in.position(start);
        }
    }

    private static LogEntry.Kind kindOf(byte ordinal) {
        if (ordinal < 0 || ordinal >= KINDS.length) {
            throw new IllegalArgumentException("unknown entry kind " + ordinal);
        }
        return KINDS[ordinal];
    }

    private static UUID uuid(ByteBuffer in) {
        return new UUID(in.getLong(), in.getLong());
    }

    private static UUID id(ByteBuffer in, Vocabulary vocabulary) {
        return vocabulary == null ? uuid(in) : vocabulary.id(in.getLong(), in.getLong());
    }

    private static int varint(ByteBuffer in) {
        long value = varlong(in);
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("count " + value + " out of range");
        }
        return (int) value;
    }

    private static long varlong(ByteBuffer in) {
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

    private static String string(ByteBuffer in) {
        int length = stringLength(in);
        String s = length == 0 ? "" : new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    /** A string that is likely to repeat from entry to entry: taken from the vocabulary if it has it. */
    private static String name(ByteBuffer in, Vocabulary vocabulary) {
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

    private static byte[] bytes(ByteBuffer in) {
        int length = varint(in);
        if (length > in.remaining()) {
            throw new IllegalArgumentException("value of " + length + " bytes, only " + in.remaining() + " left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    /** An entry's metadata: it shares its keys with the metadata decoded before, when they are the same. */
    private static Map<String, Object> metadata(ByteBuffer in, Vocabulary vocabulary) {
        if (vocabulary == null) {
            return map(in, null).build();
        }
        Map<String, Object> metadata = map(in, vocabulary).build(vocabulary.previousMetadata);
        vocabulary.previousMetadata = metadata;
        return metadata;
    }

    private static Values.MapBuilder map(ByteBuffer in, Vocabulary vocabulary) {
        int size = varint(in);
        // built immutable once: the entry's constructor then keeps it without another copy
        Values.MapBuilder map = Values.mapBuilder(Math.min(size, in.remaining()), "stored metadata");
        for (int i = 0; i < size; i++) {
            String key = name(in, vocabulary);
            map.put(key, value(in, vocabulary));
        }
        return map;
    }

    private static Object value(ByteBuffer in, Vocabulary vocabulary) {
        byte tag = in.get();
        switch (tag) {
            case TAG_MAP:
                return map(in, vocabulary).build();
            case TAG_LIST: {
                int size = varint(in);
                List<Object> list = new ArrayList<>(Math.min(size, in.remaining()));
                for (int i = 0; i < size; i++) {
                    list.add(value(in, vocabulary));
                }
                return Values.immutableList(list, "stored metadata");
            }
            case TAG_STRING:
                return string(in);
            case TAG_TRUE:
                return Boolean.TRUE;
            case TAG_FALSE:
                return Boolean.FALSE;
            case TAG_INT:
                return (int) unzigzag(varlong(in));
            case TAG_LONG:
                return unzigzag(varlong(in));
            case TAG_DOUBLE:
                return in.getDouble();
            case TAG_BIG_INTEGER:
                return new BigInteger(bytes(in));
            case TAG_BIG_DECIMAL: {
                int scale = (int) unzigzag(varlong(in));
                return new BigDecimal(new BigInteger(bytes(in)), scale);
            }
            default:
                throw new IllegalArgumentException("unknown value tag " + tag);
        }
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    /** A growable byte array writer; cheaper than DataOutputStream for small records. */
    static final class Output {
        private byte[] buffer;
        private int size;

        Output(int capacity) {
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

        void string(String s) {
            // the encoder would write '?' for an unpaired surrogate: text that has one is refused instead
            for (int i = 0; i < s.length(); i++) {
                if (Character.isSurrogate(s.charAt(i))) {
                    checkSurrogatesPaired(s);
                    break;
                }
            }
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            varint(bytes.length);
            raw(bytes);
        }

        private static void checkSurrogatesPaired(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw new IllegalArgumentException("the text \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s)
                            + "\" holds an unpaired surrogate (U+" + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)
                            + " at index " + i + "), which UTF-8 cannot carry");
                }
            }
        }

        void map(Map<String, Object> map) {
            varint(map.size());
            for (Map.Entry<String, Object> e : map.entrySet()) {
                string(e.getKey());
                value(e.getValue());
            }
        }

        @SuppressWarnings("unchecked")
        void value(Object value) {
            if (value instanceof String s) {
                u8(TAG_STRING);
                string(s);
            } else if (value instanceof Boolean b) {
                u8(b ? TAG_TRUE : TAG_FALSE);
            } else if (value instanceof Integer i) {
                u8(TAG_INT);
                varint(zigzag(i));
            } else if (value instanceof Long l) {
                u8(TAG_LONG);
                varint(zigzag(l));
            } else if (value instanceof Double d) {
                u8(TAG_DOUBLE);
                longValue(Double.doubleToRawLongBits(d));
            } else if (value instanceof BigInteger b) {
                u8(TAG_BIG_INTEGER);
                byte[] bytes = b.toByteArray();
                varint(bytes.length);
                raw(bytes);
            } else if (value instanceof BigDecimal d) {
                u8(TAG_BIG_DECIMAL);
                varint(zigzag(d.scale()));
                byte[] bytes = d.unscaledValue().toByteArray();
                varint(bytes.length);
                raw(bytes);
            } else if (value instanceof Map<?, ?> m) {
                u8(TAG_MAP);
                map((Map<String, Object>) m);
            } else if (value instanceof List<?> list) {
                u8(TAG_LIST);
                varint(list.size());
                for (Object element : list) {
                    value(element);
                }
            } else {
                // LogEntry's constructor admits only the types above
                throw new IllegalStateException("unsupported metadata value " + value.getClass().getName());
            }
        }

        private static long zigzag(long v) {
            return (v << 1) ^ (v >> 63);
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buffer, size);
        }
    }
}
