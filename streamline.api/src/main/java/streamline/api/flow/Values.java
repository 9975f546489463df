package streamline.api.flow;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep, immutable copies of the JSON-like values that configuration maps and session metadata
 * hold: {@code String}, {@code Boolean}, {@code Integer}, {@code Long}, {@code Double},
 * {@code BigInteger}, {@code BigDecimal}, and lists and string-keyed maps of those. Keeping to these
 * types is what lets every store and every write-ahead log persist the values faithfully.
 *
 * <p>Maps keep their insertion order. {@code null} is not a value.
 */
public final class Values {

    private Values() {
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
        return copyMap(source, what, "");
    }

    private static Map<String, Object> copyMap(Map<?, ?> source, String what, String path) {
        if (source.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> copy = new LinkedHashMap<>(Math.max(4, source.size() * 4 / 3 + 1));
        for (Map.Entry<?, ?> e : source.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException(what + ": key " + e.getKey() + " at '" + path + "' is not a string");
            }
            String keyPath = path.isEmpty() ? key : path + "." + key;
            copy.put(key, copyValue(e.getValue(), what, keyPath));
        }
        return Collections.unmodifiableMap(copy);
    }

    private static Object copyValue(Object value, String what, String path) {
        if (value instanceof String || value instanceof Boolean || value instanceof Integer
                || value instanceof Long || value instanceof Double || value instanceof BigInteger
                || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            return copyMap(map, what, path);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                copy.add(copyValue(list.get(i), what, path + "[" + i + "]"));
            }
            return Collections.unmodifiableList(copy);
        }
        if (value == null) {
            throw new IllegalArgumentException(what + ": '" + path + "' is null");
        }
        throw new IllegalArgumentException(what + ": '" + path + "' has the unsupported type "
                + value.getClass().getName() + " (allowed: string, boolean, integer, long, double,"
                + " big integer, big decimal, list, map)");
    }
}
