package streamline.api.flow;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Deep, immutable copies of the JSON-like values that configuration maps and session metadata
 * hold: {@code String}, {@code Boolean}, {@code Integer}, {@code Long}, {@code Double},
 * {@code BigInteger}, {@code BigDecimal}, and lists and string-keyed maps of those. Keeping to these
 * types is what lets every store and every write-ahead log persist the values faithfully.
 *
 * <p>Maps keep their insertion order. {@code null} is not a value. Copying a value this class made
 * returns it as it is: it is immutable already.
 */
public final class Values {

    private Values() {
    }

    /**
     * A map this class made: deeply immutable, so it is never copied again. Keys and values sit in two
     * arrays (a fraction of a LinkedHashMap's memory, which matters with many sessions in flight);
     * lookups scan them, or use an index for larger maps.
     */
    private static final class FrozenMap extends AbstractMap<String, Object> {
        private static final int INDEX_FROM = 16;
        private final String[] keys;
        private final Object[] values;
        private final Map<String, Integer> index;

        /** Takes the arrays over; the keys are distinct. */
        FrozenMap(String[] keys, Object[] values) {
            this.keys = keys;
            this.values = values;
            this.index = keys.length >= INDEX_FROM ? indexOf(keys) : null;
        }

        /** A map with the keys (and key index) of {@code sameKeys}, which are {@code values}' keys in order. */
        FrozenMap(FrozenMap sameKeys, Object[] values) {
            this.keys = sameKeys.keys;
            this.values = values;
            this.index = sameKeys.index;
        }

        private static Map<String, Integer> indexOf(String[] keys) {
            Map<String, Integer> positions = new HashMap<>(keys.length * 2);
            for (int i = 0; i < keys.length; i++) {
                positions.put(keys[i], i);
            }
            return positions;
        }

        /** Whether this map's keys are {@code keys[0, size)}, in that order. */
        boolean hasKeys(String[] otherKeys, int size) {
            if (keys.length != size) {
                return false;
            }
            for (int i = 0; i < size; i++) {
                if (keys[i] != otherKeys[i] && !keys[i].equals(otherKeys[i])) {
                    return false;
                }
            }
            return true;
        }

        private int position(Object key) {
            if (index != null) {
                Integer at = index.get(key);
                return at == null ? -1 : at;
            }
            int hash = key == null ? 0 : key.hashCode();
            for (int i = 0; i < keys.length; i++) {
                String known = keys[i];
                if (known == key || known.hashCode() == hash && known.equals(key)) {
                    return i;
                }
            }
            return -1;
        }

        @Override public Object get(Object key) { int at = position(key); return at < 0 ? null : values[at]; }
        @Override public boolean containsKey(Object key) { return position(key) >= 0; }
        @Override public int size() { return keys.length; }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override public boolean hasNext() { return next < keys.length; }

                        @Override
                        public Entry<String, Object> next() {
                            if (next >= keys.length) {
                                throw new NoSuchElementException();
                            }
                            int at = next++;
                            return new SimpleImmutableEntry<>(keys[at], values[at]);
                        }
                    };
                }

                @Override public int size() { return keys.length; }
            };
        }
    }

    /** A list this class made: deeply immutable, so it is never copied again. */
    private static final class FrozenList extends AbstractList<Object> {
        private final Object[] elements;

        FrozenList(Object[] elements) {
            this.elements = elements;
        }

        @Override public Object get(int index) { return elements[index]; }
        @Override public int size() { return elements.length; }
    }

    /**
     * Builds a deeply immutable map without a second copy, for readers of stored values (codecs).
     * Values are checked and copied as {@link #immutableMap} does, unless this class made them.
     * Not thread-safe; use it once.
     */
    public static final class MapBuilder {
        private String[] keys;
        private Object[] values;
        private int size;
        /** Key positions, once the map is too large to scan for a repeated key. */
        private Map<String, Integer> positions;
        /**
         * One bit per key put, chosen by its hash: a key whose bit is not set is new, so most puts skip the
         * scan for a repeated key (keys are distinct in nearly every map built, a decoded one above all).
         */
        private int keyHashBits;
        private final String what;

        private MapBuilder(int expectedSize, String what) {
            this.keys = new String[Math.max(4, expectedSize)];
            this.values = new Object[keys.length];
            this.what = what;
        }

        /** Adds an entry; a key put again keeps its first position and takes the new value. */
        public MapBuilder put(String key, Object value) {
            return put(key, value, key);
        }

        private MapBuilder put(String key, Object value, String path) {
            if (keys == null) {
                throw new IllegalStateException("this builder of " + what + " was used already");
            }
            if (key == null) {
                throw new IllegalArgumentException(what + ": a key is null");
            }
            Object copy = copyValue(value, what, path);
            int at = positions == null && firstOfItsHashBit(key) ? -1 : position(key);
            if (at >= 0) {
                values[at] = copy;
                return this;
            }
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            keys[size] = key;
            values[size] = copy;
            if (positions != null) {
                positions.put(key, size);
            }
            size++;
            if (positions == null && size == FrozenMap.INDEX_FROM) {
                positions = new HashMap<>(size * 4);
                for (int i = 0; i < size; i++) {
                    positions.put(keys[i], i);
                }
            }
            return this;
        }

        /** Whether no key put before had this key's hash bit; sets the bit. */
        private boolean firstOfItsHashBit(String key) {
            int hash = key.hashCode();
            int bit = 1 << (hash ^ (hash >>> 16));
            boolean first = (keyHashBits & bit) == 0;
            keyHashBits |= bit;
            return first;
        }

        private int position(String key) {
            if (positions != null) {
                Integer at = positions.get(key);
                return at == null ? -1 : at;
            }
            // strings cache their hash: one int compare per key instead of comparing text, the most of a decode's map
            int hash = key.hashCode();
            for (int i = 0; i < size; i++) {
                String known = keys[i];
                if (known == key || known.hashCode() == hash && known.equals(key)) {
                    return i;
                }
            }
            return -1;
        }

        public Map<String, Object> build() {
            return build(null);
        }

        /**
         * Builds the map, sharing the keys of {@code sameKeys} if that is a map this class made with the
         * same keys in the same order. Maps of one kind (the metadata a processor writes, read back
         * entry after entry) then hold their keys once between them instead of once each.
         *
         * @param sameKeys a map likely to have the same keys, or null
         */
        public Map<String, Object> build(Map<String, Object> sameKeys) {
            if (keys == null) {
                throw new IllegalStateException("this builder of " + what + " was used already");
            }
            Map<String, Object> built;
            if (size == 0) {
                built = Map.of();
            } else {
                Object[] exactValues = size == values.length ? values : Arrays.copyOf(values, size);
                built = sameKeys instanceof FrozenMap frozen && frozen.hasKeys(keys, size)
                        ? new FrozenMap(frozen, exactValues)
                        : new FrozenMap(size == keys.length ? keys : Arrays.copyOf(keys, size), exactValues);
            }
            keys = null;
            values = null;
            positions = null;
            return built;
        }
    }

    /** A builder for a map of about {@code expectedSize} entries; {@code what} names it in errors. */
    public static MapBuilder mapBuilder(int expectedSize, String what) {
        return new MapBuilder(expectedSize, what);
    }

    /** A deeply immutable list of the given values (checked and copied as needed). */
    public static List<Object> immutableList(List<?> values, String what) {
        return (List<Object>) copyValue(values, what, "");
    }

    /**
     * Returns a deep, unmodifiable copy of {@code source}.
     *
     * @param source the map to copy
     * @param what what the map is, for the error message (for example {@code "config of processor Tag"})
     * @throws IllegalArgumentException naming the key path of a null or unsupported value
     */
    public static Map<String, Object> immutableMap(Map<String, ?> source, String what) {
        if (source == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (source instanceof FrozenMap frozen) {
            return frozen;
        }
        return copyMap(source, what, "");
    }

    /**
     * As {@link #immutableMap(Map, String)}, building the description only when a copy is made: a map
     * this class made is returned as it is, and a description such as a session's id is text work an
     * entry of the log then does not pay for.
     */
    public static Map<String, Object> immutableMap(Map<String, ?> source, Supplier<String> what) {
        if (source instanceof FrozenMap frozen) {
            return frozen;
        }
        return immutableMap(source, what.get());
    }

    private static Map<String, Object> copyMap(Map<?, ?> source, String what, String path) {
        if (source instanceof FrozenMap frozen) {
            return frozen;
        }
        if (source.isEmpty()) {
            return Map.of();
        }
        MapBuilder copy = new MapBuilder(source.size(), what);
        for (Map.Entry<?, ?> e : source.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException(what + ": key " + e.getKey() + " at '" + path + "' is not a string");
            }
            copy.put(key, e.getValue(), path.isEmpty() ? key : path + "." + key);
        }
        return copy.build();
    }

    @SuppressWarnings("unchecked")
    private static Object copyValue(Object value, String what, String path) {
        if (isScalar(value)) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            return copyMap(map, what, path);
        }
        if (value instanceof FrozenList || value instanceof FrozenMap) {
            return value;
        }
        if (value instanceof List<?> list) {
            Object[] copy = new Object[list.size()];
            for (int i = 0; i < copy.length; i++) {
                Object element = list.get(i);
                // the element's path only when it is needed: building it for every element was most of a list's copy
                copy[i] = isScalar(element) ? element : copyValue(element, what, path + "[" + i + "]");
            }
            return new FrozenList(copy);
        }
        if (value == null) {
            throw new IllegalArgumentException(what + ": '" + path + "' is null");
        }
        throw new IllegalArgumentException(what + ": '" + path + "' has the unsupported type "
                + value.getClass().getName() + " (allowed: string, boolean, integer, long, double,"
                + " big integer, big decimal, list, map)");
    }

    private static boolean isScalar(Object value) {
        return value instanceof String || value instanceof Boolean || value instanceof Integer
                || value instanceof Long || value instanceof Double || value instanceof BigInteger
                || value instanceof BigDecimal;
    }
}
