package streamline.api.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void copiesDeeplyAndKeepsOrder() {
        List<Object> list = new ArrayList<>(List.of(1, "two"));
        Map<String, Object> inner = new HashMap<>(Map.of("list", list));
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("z", "last?");
        source.put("a", inner);
        source.put("n", new BigDecimal("1.50"));
        Map<String, Object> copy = Values.immutableMap(source, "test");
        list.add("three");
        inner.put("x", true);
        source.put("b", 1L);
        assertEquals(List.of("z", "a", "n"), List.copyOf(copy.keySet()));
        assertEquals(Map.of("list", List.of(1, "two")), copy.get("a"));
        assertThrows(UnsupportedOperationException.class, () -> copy.put("q", 1));
        @SuppressWarnings("unchecked")
        List<Object> copiedList = (List<Object>) ((Map<String, Object>) copy.get("a")).get("list");
        assertThrows(UnsupportedOperationException.class, () -> copiedList.add(3));
    }

    @Test
    void aCopyOfACopyIsTheSameObjectAndBuildersCheckValues() {
        Map<String, Object> copy = Values.immutableMap(Map.of("a", List.of(1, Map.of("b", 2))), "test");
        assertTrue(copy == Values.immutableMap(copy, "again"), "an immutable copy is not copied again");
        Map<String, Object> built = Values.mapBuilder(2, "built").put("x", 1L).put("list", copy.get("a")).build();
        assertEquals(Map.of("x", 1L, "list", List.of(1, Map.of("b", 2))), built);
        assertTrue(built.get("list") == copy.get("a"), "frozen values are shared, not copied");
        assertThrows(UnsupportedOperationException.class, () -> built.put("y", 2));
        assertThrows(IllegalArgumentException.class, () -> Values.mapBuilder(1, "built").put("bad", new Object()));
    }

    @Test
    void aBuilderKeepsTheFirstPositionOfARepeatedKeyAtAnySize() {
        for (int size : new int[] {3, 40}) {
            Values.MapBuilder builder = Values.mapBuilder(1, "built");
            Map<String, Object> expected = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                builder.put("k" + i, i);
                expected.put("k" + i, i);
            }
            builder.put("k1", "again");
            expected.put("k1", "again");
            Map<String, Object> built = builder.build();
            assertEquals(expected, built);
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(built.keySet()), "insertion order");
            assertEquals("again", built.get("k1"));
            assertEquals(size - 1, built.get("k" + (size - 1)));
            assertEquals(null, built.get("absent"));
            assertThrows(IllegalStateException.class, () -> builder.put("late", 1), "a builder is used once");
        }
    }

    @Test
    void aBuilderAgreesWithALinkedHashMapOnRandomPutsWithRepeatedKeys() {
        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            int pool = 1 + random.nextInt(24); // up to 16 keys are scanned, more are indexed
            Values.MapBuilder builder = Values.mapBuilder(random.nextInt(8), "built");
            Map<String, Object> expected = new LinkedHashMap<>();
            for (int put = random.nextInt(40); put > 0; put--) {
                String key = "key" + random.nextInt(pool);
                builder.put(key, put);
                expected.put(key, put);
            }
            Map<String, Object> built = builder.build();
            assertEquals(expected, built);
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(built.keySet()), "insertion order, round " + round);
        }
    }

    @Test
    void keysWithTheSameHashStayDistinct() {
        assertEquals("Aa".hashCode(), "BB".hashCode());
        Map<String, Object> built = Values.mapBuilder(2, "built").put("Aa", 1).put("BB", 2).put("Aa", 3).build();
        assertEquals(List.of("Aa", "BB"), List.copyOf(built.keySet()));
        assertEquals(3, built.get("Aa"));
        assertEquals(2, built.get("BB"));
        assertEquals(null, built.get("C#"), "a third key of that hash is absent");
    }

    @Test
    void aMapBuiltLikeAnotherHasItsOwnKeysOrderAndValues() {
        for (int size : new int[] {3, 20}) {
            Map<String, Object> model = build(size, 0, false);
            Map<String, Object> same = builderOf(build(size, 100, false)).build(model);
            assertEquals(new LinkedHashMap<>(build(size, 100, false)), same);
            assertEquals(List.copyOf(model.keySet()), List.copyOf(same.keySet()));
            assertEquals(100 + size - 1, same.get("k" + (size - 1)), "found through the shared keys");
            assertEquals(0, model.get("k0"), "the model keeps its values");
            Map<String, Object> reversed = builderOf(build(size, 0, true)).build(model);
            assertEquals(List.copyOf(build(size, 0, true).keySet()), List.copyOf(reversed.keySet()), "its own order");
            Map<String, Object> fewer = builderOf(build(size - 1, 0, false)).build(model);
            assertEquals(size - 1, fewer.size());
            assertEquals(null, fewer.get("k" + (size - 1)));
            Map<String, Object> other = builderOf(build(size - 1, 0, false))
                    .put("x", 1).build(model);
            assertEquals(1, other.get("x"));
            assertEquals(null, other.get("k" + (size - 1)));
            assertEquals(build(size, 5, false), builderOf(build(size, 5, false))
                    .build(new LinkedHashMap<>(model)), "a model this class did not make is only a hint");
        }
    }

    private static Values.MapBuilder builderOf(Map<String, Object> entries) {
        Values.MapBuilder builder = Values.mapBuilder(entries.size(), "built");
        entries.forEach(builder::put);
        return builder;
    }

    /** Keys k0, k1, … (reversed: from the last), each with its index plus {@code offset}. */
    private static Map<String, Object> build(int size, int offset, boolean reversed) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            int at = reversed ? size - 1 - i : i;
            map.put("k" + at, at + offset);
        }
        return map;
    }

    @Test
    void aDescriptionSupplierIsAskedOnlyWhenACopyIsMade() {
        AtomicInteger asked = new AtomicInteger();
        Supplier<String> what = () -> {
            asked.incrementAndGet();
            return "metadata of session 7";
        };
        Map<String, Object> frozen = Values.immutableMap(Map.of("a", 1), "test");
        assertTrue(frozen == Values.immutableMap(frozen, what));
        assertEquals(0, asked.get(), "an immutable map is returned without describing it");
        Map<String, Object> copy = Values.immutableMap(new LinkedHashMap<>(Map.of("b", 2)), what);
        assertEquals(Map.of("b", 2), copy);
        assertEquals(1, asked.get());
        Map<String, Object> bad = Map.of("k", new Object());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Values.immutableMap(bad, what))
                .getMessage().startsWith("metadata of session 7: 'k' has the unsupported type"));
    }

    @Test
    void namesThePathOfABadValue() {
        Map<String, Object> source = Map.of("outer", Map.of("items", List.of("ok", new Object())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Values.immutableMap(source, "config of X"));
        assertTrue(e.getMessage().startsWith("config of X: 'outer.items[1]' has the unsupported type java.lang.Object"), e.getMessage());
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("k", null);
        assertEquals("metadata: 'k' is null",
                assertThrows(IllegalArgumentException.class, () -> Values.immutableMap(withNull, "metadata")).getMessage());
    }

    @Test
    void logLevelsParseTheFlowFileSpellings() {
        assertEquals(LogLevel.WARN, LogLevel.parse("warning"));
        assertEquals(LogLevel.WARN, LogLevel.parse(" WARN "));
        assertEquals(LogLevel.TRACE, LogLevel.parse("trace"));
        assertEquals("error", LogLevel.ERROR.text());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogLevel.parse("verbose"));
        assertTrue(e.getMessage().contains("'verbose'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LogLevel.parse(null));
    }
}
