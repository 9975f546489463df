package streamline.runtime.expressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import streamline.api.processor.ExpressionException;
import streamline.api.processor.FlowObject;

/** How expressions read keys, print values and parse templates: strictly, as JSON, with a bounded cache. */
class ExpressionReadingTest {

    private final ExpressionEvaluator evaluator = new ExpressionEvaluator(List.of());
    private final Map<String, Object> metadata = FlowObject.of(Map.of(
            "name", "report",
            "order", Map.of("id", 7, "class", "gold", "empty", "no"),
            "a", Map.of("b", "nested"),
            "tags", List.of("x", "y"))).metadata();

    private String eval(String text) {
        return evaluator.evaluate(text, metadata, "processor P key k");
    }

    private String refusal(String text) {
        return assertThrows(ExpressionException.class, () -> eval(text), text).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"${[order.missing]}", "${{'k': order.missing}}", "${`a ${order.missing} b`}",
            "${order.missing == 'x'}", "${order['missing']}", "${$env.order.missing}", "${order.missing ? 1 : 2}",
            "${order.missing ?? 'default'}", "${order.missing ?: 'default'}", "${[1, {'k': [order.missing]}]}"})
    void aMissingKeyIsAnErrorNamingItWhereverItIsRead(String text) {
        String message = refusal(text);
        assertTrue(message.contains("no key 'missing'"), message);
        assertTrue(message.startsWith("processor P key k: cannot evaluate '" + text + "'"), message);
    }

    @Test
    void aMissingMetadataKeyInAConditionIsAnErrorToo() {
        String message = refusal("${missing ? 'a' : 'b'}");
        assertTrue(message.contains("no metadata key 'missing'"), message);
        assertEquals("a", eval("${'id' =~ order ? 'a' : 'b'}"), "membership tests a key without reading it");
        assertEquals("b", eval("${'missing' =~ $env ? 'a' : 'b'}"));
        assertEquals("/out/a.txt", evaluator.evaluate("${WriteFile.OutputPath}",
                FlowObject.of(Map.of("WriteFile.OutputPath", "/out/a.txt")).metadata(), "P"), "dotted names still work");
    }

    @Test
    void aMissingIndexOrANullOperandIsNamedPlainly() {
        String index = refusal("${tags[5]}");
        assertTrue(index.contains("no index 5 in a list of 2"), index);
        String operand = refusal("${name + null}");
        assertTrue(operand.contains("an operand is null") && !operand.contains("NullOperand"), operand);
    }

    @Test
    void mapKeysWinOverGetters() {
        assertEquals("gold", eval("${order.class}"));
        assertEquals("no", eval("${order.empty}"));
        assertEquals("nested", eval("${a.b}"));
        String absent = refusal("${$env.class}");
        assertTrue(absent.contains("no key 'class'"), absent);
        String property = refusal("${name.bytes}");
        assertTrue(property.contains("cannot read 'bytes': only map keys and list indexes can be read"), property);
    }

    @Test
    void aDottedKeyIsReadWhenItsFirstPartIsAlsoAKey() {
        Map<String, Object> both = FlowObject.of(Map.of("label", "text", "label.color", "red",
                "a", Map.of("b", "nested"), "a.b", "dotted", "a.c", "dotted c")).metadata();
        assertEquals("red", evaluator.evaluate("${label.color}", both, "P"));
        assertEquals("nested", evaluator.evaluate("${a.b}", both, "P"), "a map holding the key wins");
        assertEquals("dotted c", evaluator.evaluate("${a.c}", both, "P"));
        assertEquals("dotted", evaluator.evaluate("${$env['a.b']}", both, "P"), "the Go form reads the dotted key always");
        String mixed = assertThrows(ExpressionException.class, () -> evaluator.evaluate("${label + label.color}", both, "P")).getMessage();
        assertTrue(mixed.contains("${$env['its.name']}"), mixed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"${getClass()}", "${hashCode()}", "${toString()}", "${order.hashCode()}", "${$env.getClass()}",
            "${name instanceof 'java.lang.String'}", "${name !instanceof 'java.lang.Integer'}", "${tags.size()}"})
    void javaClassesAndObjectMethodsAreNotReachable(String text) {
        String message = refusal(text);
        assertFalse(message.contains("class java.") || message.contains("class streamline."), message);
        assertTrue(message.contains("is not available") || message.contains("cannot reach Java classes")
                || message.contains("no key 'hashCode'") || message.contains("no key 'getClass'") || message.contains("no key 'size'"),
                message);
    }

    @Test
    void everyCollectionPrintsAsJsonDeterministically() {
        assertEquals("[\"a b\",\"c\"]", eval("${{'a b', 'c'}}"), "a set");
        assertEquals("[1,2,3] [3,2,1]", eval("${1..3} ${3..1}"), "ranges");
        assertEquals("[5000000000,5000000001]", eval("${5000000000..5000000001}"));
        assertEquals("{\"z\":1,\"a\":2,\"m\":{\"y\":[1,{\"b\":2,\"a\":1}],\"x\":0}}",
                eval("${{'z': 1, 'a': 2, 'm': {'y': [1, {'b': 2, 'a': 1}], 'x': 0}}}"), "maps keep their written order");
        assertEquals("list [1,2] set [\"q\"] map {\"k\":[1]}", eval("${'list ' + [1, 2] + ' set ' + {'q'} + ' map ' + {'k': [1]}}"),
                "collections join text as JSON");
        assertEquals("in [1,\"x\"] and [1,2]", eval("${`in ${[1, 'x']} and ${1..2}`}"), "and in templates");
        String repeated = refusal("${{1: 'a', '1': 'b'}}");
        assertTrue(repeated.contains("the map repeats the key '1'"), repeated);
        assertTrue(refusal("${{'k': 1, 'k': 2}}").contains("the map repeats the key 'k'"));
        assertEquals("{\"1\":\"a\",\"2\":\"b\"}", eval("${{1: 'a', 2: 'b'}}"));
        assertEquals("a", eval("${{1: 'a'}[1]}"), "a number key is read by the number");
    }

    @Test
    void randomTakesOnlyAWholeBoundItCanHonour() {
        // random(1.5) and its kin are errors naming the bound, never rounded to a number random can use
        for (String bound : List.of("1.5", "1e30", "9223372036854775808", "2.5", "0.5", "0", "-3", "'1.5'")) {
            String message = refusal("${random(" + bound + ")}");
            assertTrue(message.contains("random(n) needs a whole number n from 1 to 9223372036854775807"), message);
        }
        assertEquals("0", eval("${random(1)}"));
        Map<String, Object> bounds = FlowObject.of(Map.of("text", "1.5", "decimal", 1.5, "one", "1")).metadata();
        assertEquals("0", evaluator.evaluate("${random(one)}", bounds, "P"), "a text bound counts by the number it spells");
        for (String fromMetadata : List.of("${random(text)}", "${random(decimal)}")) {
            String message = assertThrows(ExpressionException.class, () -> evaluator.evaluate(fromMetadata, bounds, "P"),
                    fromMetadata).getMessage();
            assertTrue(message.contains("random(n) needs a whole number n from 1 to 9223372036854775807"), message);
        }
        long large = Long.parseLong(eval("${random(9223372036854775807)}"));
        assertTrue(large >= 0, "gave " + large);
    }

    @Test
    void quotesInsideBacktickTemplatesAreText() {
        assertEquals("it's report", eval("${`it's ${name}`}"));
        assertEquals("say \"report\" }", eval("${`say \"${name}\" }`}"));
        assertEquals("a `quoted` ${x} } 'b'", eval("${`a \\`quoted\\` \\${x} } ${'\\'b\\''}`}"));
        assertEquals("outer inner report!", eval("${`outer ${`inner ${name}`}!`}"));
        assertEquals("line\nbreak report", eval("${`line\nbreak ${name}`}"));
        String open = assertThrows(ExpressionException.class, () -> eval("${`never closed ${name}}")).getMessage();
        assertTrue(open.contains("is not closed"), open);
    }

    @Test
    void theParseCacheIsBounded() {
        for (int i = 0; i < 3 * ExpressionEvaluator.CACHED_TEXTS; i++) {
            assertEquals("v" + i + " report", eval("v" + i + " ${name}"));
        }
        assertEquals(ExpressionEvaluator.CACHED_TEXTS, evaluator.cachedTexts());
        eval("x".repeat(ExpressionEvaluator.CACHED_TEXT_LENGTH) + "${name}");
        assertEquals(ExpressionEvaluator.CACHED_TEXTS, evaluator.cachedTexts(), "a long text is not kept");
    }
}
