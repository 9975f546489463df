package streamline.wal.file;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import streamline.api.flow.Values;

/**
 * The binary form of an entry's metadata: a map of tagged values, nested maps and lists included.
 *
 * <pre>
 * map = size:varint (key:str value)*
 * value = tag:u8 and, by tag: map | size:varint value* | str | (nothing: true, false) | zigzag varint (int, long)
 *         | 8 bytes (double) | length-prefixed two's complement (big integer) | scale:zigzag varint and the same (big decimal)
 * </pre>
 */
final class MetadataCodec {

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

    private MetadataCodec() {
    }

    static void write(EntryOutput out, Map<String, Object> map) {
        out.varint(map.size());
        for (Map.Entry<String, Object> e : map.entrySet()) {
            out.string(e.getKey());
            value(out, e.getValue());
        }
    }

    @SuppressWarnings("unchecked")
    private static void value(EntryOutput out, Object value) {
        if (value instanceof String s) {
            out.u8(TAG_STRING);
            out.string(s);
        } else if (value instanceof Boolean b) {
            out.u8(b ? TAG_TRUE : TAG_FALSE);
        } else if (value instanceof Integer i) {
            out.u8(TAG_INT);
            out.varint(zigzag(i));
        } else if (value instanceof Long l) {
            out.u8(TAG_LONG);
            out.varint(zigzag(l));
        } else if (value instanceof Double d) {
            out.u8(TAG_DOUBLE);
            out.longValue(Double.doubleToRawLongBits(d));
        } else if (value instanceof BigInteger b) {
            out.u8(TAG_BIG_INTEGER);
            out.lengthPrefixed(b.toByteArray());
        } else if (value instanceof BigDecimal d) {
            out.u8(TAG_BIG_DECIMAL);
            out.varint(zigzag(d.scale()));
            out.lengthPrefixed(d.unscaledValue().toByteArray());
        } else if (value instanceof Map<?, ?> m) {
            out.u8(TAG_MAP);
            write(out, (Map<String, Object>) m);
        } else if (value instanceof List<?> list) {
            out.u8(TAG_LIST);
            out.varint(list.size());
            for (Object element : list) {
                value(out, element);
            }
        } else {
            // LogEntry's constructor admits only the types above
            throw new IllegalStateException("unsupported metadata value " + value.getClass().getName());
        }
    }

    /** An entry's metadata: it shares its keys with the metadata decoded before, when they are the same. */
    static Map<String, Object> read(ByteBuffer in, Vocabulary vocabulary) {
        if (vocabulary == null) {
            return map(in, null).build();
        }
        Map<String, Object> metadata = map(in, vocabulary).build(vocabulary.previousMetadata);
        vocabulary.previousMetadata = metadata;
        return metadata;
    }

    private static Values.MapBuilder map(ByteBuffer in, Vocabulary vocabulary) {
        int size = EntryInput.varint(in);
        // built immutable once: the entry's constructor then keeps it without another copy
        Values.MapBuilder map = Values.mapBuilder(Math.min(size, in.remaining()), "stored metadata");
        for (int i = 0; i < size; i++) {
            String key = EntryInput.name(in, vocabulary);
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
                int size = EntryInput.varint(in);
                List<Object> list = new ArrayList<>(Math.min(size, in.remaining()));
                for (int i = 0; i < size; i++) {
                    list.add(value(in, vocabulary));
                }
                return Values.immutableList(list, "stored metadata");
            }
            case TAG_STRING:
                return EntryInput.string(in);
            case TAG_TRUE:
                return Boolean.TRUE;
            case TAG_FALSE:
                return Boolean.FALSE;
            case TAG_INT:
                return (int) unzigzag(EntryInput.varlong(in));
            case TAG_LONG:
                return unzigzag(EntryInput.varlong(in));
            case TAG_DOUBLE:
                return in.getDouble();
            case TAG_BIG_INTEGER:
                return new BigInteger(EntryInput.lengthPrefixed(in));
            case TAG_BIG_DECIMAL: {
                int scale = (int) unzigzag(EntryInput.varlong(in));
                return new BigDecimal(new BigInteger(EntryInput.lengthPrefixed(in)), scale);
            }
            default:
                throw new IllegalArgumentException("unknown value tag " + tag);
        }
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }
}
