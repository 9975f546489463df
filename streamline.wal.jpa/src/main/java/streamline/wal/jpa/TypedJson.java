package streamline.wal.jpa;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Session metadata as JSON that restores every value with its exact type: plain JSON would turn a
 * small {@code Long} into an {@code Integer} and {@code -1.250} into {@code -1.25}, and a log must
 * give a recovered session back exactly what it had. Types JSON cannot carry are written as
 * one-key objects ({@code {"$long":"5"}}, {@code "$bigint"}, {@code "$decimal"}, {@code "$double"}
 * for non-finite doubles), and every map as {@code {"$map":{...}}}, so no user key is ever mistaken
 * for one of these.
 *
 * <p>The reader's limits are the writer's: what {@link #write} accepts, {@link #read} reads back. A
 * text (a key or a value) may be as long as a whole entry's JSON ({@link #MAX_TEXT}), and JSON may
 * nest {@link #MAX_DEPTH} levels, where a map takes two ({@code {"$map":{...}}}) and a list one.
 */
public final class TypedJson {

    /**
     * The most characters an entry's JSON (metadata and long texts together) may take: entries of a few
     * megabytes are kept, and a database's large text column (Derby's CLOB: about a second per megabyte
     * written or read) is not asked for more.
     */
    public static final int MAX_TEXT = 16 * 1024 * 1024;
    /** The deepest JSON nesting written and read: Jackson's default for writing, now the reader's too. */
    public static final int MAX_DEPTH = 1000;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(MAX_TEXT).maxNameLength(MAX_TEXT).build())
            .build());

    private TypedJson() {
    }

    public static String write(Map<String, Object> metadata) throws JsonProcessingException {
        return JSON.writeValueAsString(encode(metadata));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> read(String json) throws JsonProcessingException {
        return (Map<String, Object>) decode(JSON.readValue(json, Object.class));
    }

    private static Object encode(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> encoded = new LinkedHashMap<>();
            map.forEach((k, v) -> encoded.put((String) k, encode(v)));
            return Map.of("$map", encoded);
        }
        if (value instanceof List<?> list) {
            List<Object> encoded = new ArrayList<>(list.size());
            list.forEach(v -> encoded.add(encode(v)));
            return encoded;
        }
        if (value instanceof Long l) {
            return Map.of("$long", l.toString());
        }
        if (value instanceof BigInteger b) {
            return Map.of("$bigint", b.toString());
        }
        if (value instanceof BigDecimal d) {
            return Map.of("$decimal", d.toString());
        }
        if (value instanceof Double d && !Double.isFinite(d)) {
            return Map.of("$double", d.toString());
        }
        return value; // String, Boolean, Integer, finite Double: JSON keeps them
    }

    private static Object decode(Object json) {
        if (json instanceof Map<?, ?> map) {
            if (map.size() != 1) {
                throw new IllegalArgumentException("not a typed value: " + map.keySet());
            }
            Map.Entry<?, ?> only = map.entrySet().iterator().next();
            Object v = only.getValue();
            switch ((String) only.getKey()) {
                case "$map": {
                    Map<String, Object> decoded = new LinkedHashMap<>();
                    ((Map<?, ?>) v).forEach((k, x) -> decoded.put((String) k, decode(x)));
                    return decoded;
                }
                case "$long": return Long.valueOf((String) v);
                case "$bigint": return new BigInteger((String) v);
                case "$decimal": return new BigDecimal((String) v);
                case "$double": return Double.valueOf((String) v);
                default: throw new IllegalArgumentException("unknown typed value " + only.getKey());
            }
        }
        if (json instanceof List<?> list) {
            List<Object> decoded = new ArrayList<>(list.size());
            list.forEach(x -> decoded.add(decode(x)));
            return decoded;
        }
        return json;
    }
}
