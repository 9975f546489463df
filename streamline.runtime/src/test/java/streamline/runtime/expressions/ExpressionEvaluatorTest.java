package streamline.runtime.expressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import streamline.api.processor.ExpressionException;
import streamline.api.processor.FlowObject;

import streamline.runtime.engine.EngineOptions;

class ExpressionEvaluatorTest {

    private final ExpressionEvaluator evaluator = new ExpressionEvaluator(List.of("PATH", "HOM*"));
    // as sessions carry it: the API's deeply immutable maps and lists
    private final Map<String, Object> metadata = FlowObject.of(Map.of(
            "name", "report", "count", 3, "WriteFile.OutputPath", "/out/a.txt",
            "order", Map.of("id", 7), "tags", List.of("x", "y"))).metadata();

    private String eval(String text) {
        return evaluator.evaluate(text, metadata, "processor P key k");
    }

    @Test
    void textWithoutExpressionsIsKeptAsIs() {
        assertEquals("C:\\data\\in $ {x}", eval("C:\\data\\in $ {x}"));
        assertEquals("C:\\out\\report {x}", eval("C:\\out\\${name} {x}"));
    }

    @Test
    void dollarDollarBraceWritesALiteralDollarBrace() {
        assertEquals("${name}", eval("$${name}"), "no expression: the text itself");
        assertEquals("echo ${HOME} > report.txt", eval("echo $${HOME} > ${name}.txt"));
        assertEquals("${ and ${}", eval("$${ and $${}"), "an escaped opening needs no closing brace");
        assertEquals("$report", eval("${'$'}${name}"), "a dollar before an expression, written as an expression");
        assertEquals("$${name}", eval("$$${name}"), "only the dollar right before '{' escapes: the first is text");
        assertEquals("cost: $5, ${x}", eval("cost: $5, $${x}"), "a lone dollar stays text");
        assertEquals("a ${x} b", eval("${`a \\${x} b`}"), "inside a backtick template the backslash escapes, as before");
    }

    @Test
    void readsMetadataByNameAndKeepsSurroundingText() {
        assertEquals("/out/report-3.txt", eval("/out/${name}-${count}.txt"));
    }

    @Test
    void readsDottedKeysInTheGoFormAndAsDottedNames() {
        assertEquals("/out/a.txt", eval("${$env[\"WriteFile.OutputPath\"]}"));
        assertEquals("/out/a.txt", eval("${WriteFile.OutputPath}"));
    }

    @Test
    void writesMapsAndListsAsJson() {
        assertEquals("{\"id\":7} [\"x\",\"y\"]", eval("${order} ${tags}"));
        assertEquals("7 y", eval("${order.id} ${tags[1]}"));
    }

    @Test
    void helpersWork() {
        assertEquals(36, eval("${uuid()}").length());
        long value = Long.parseLong(eval("${random(10)}"));
        assertTrue(value >= 0 && value < 10, "random(10) gave " + value);
        assertEquals(System.getenv().getOrDefault("PATH", ""), eval("${env('PATH')}"));
        assertEquals(System.getenv().getOrDefault("PATH", ""), eval("${getEnv('PATH')}"));
        assertEquals(System.getenv().getOrDefault("HOME", ""), eval("${env('HOME')}"), "a prefix allows what starts with it");
    }

    @Test
    void aMissingKeyIsAnErrorNamingIt() {
        ExpressionException error = assertThrows(ExpressionException.class, () -> eval("${missing}"));
        assertTrue(error.getMessage().contains("'missing'"), error.getMessage());
        assertTrue(error.getMessage().contains("processor P key k"), error.getMessage());
    }

    @Test
    void environmentVariablesAreReadOnlyWhenTheOperatorListsThem() {
        ExpressionEvaluator byDefault = new ExpressionEvaluator(EngineOptions.defaults(Path.of("work")).envInExpressions());
        ExpressionException none = assertThrows(ExpressionException.class,
                () -> byDefault.evaluate("${env('PATH')}", metadata, "P"));
        assertTrue(none.getMessage().contains("env(PATH) refused"), none.getMessage());
        ExpressionException unlisted = assertThrows(ExpressionException.class,
                () -> evaluator.evaluate("${env('AWS_SECRET_ACCESS_KEY')}", metadata, "P"));
        assertTrue(unlisted.getMessage().contains("not among the environment variables expressions may read [PATH, HOM*]"),
                unlisted.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "${''.getClass().forName('java.lang.Runtime')}",
            "${name.getClass()}",
            "${name.class.forName('java.lang.Runtime').getRuntime().exec('touch /tmp/escaped')}",
            "${name.getClass().getClassLoader()}",
            "${java.lang.Runtime.getRuntime()}",
            "${new('java.io.File', '/etc/passwd')}",
            "${name.toUpperCase()}",
            "${$env.getClass()}",
            "${$env.put('x', 1)}",
            "${uuid().getClass()}",
            "${x = 1}",
            "${while (true) {}}",
            "${(x) -> x}",
            "${name",
            "${}",
    })
    void theSandboxRefusesEveryEscape(String attempt) {
        assertThrows(ExpressionException.class, () -> eval(attempt), attempt);
    }

    @Test
    void expressionsNestedTooDeeplyAreRefusedWithAClearErrorNotAStackOverflow() {
        String brackets = "${" + "(".repeat(10_000) + "1" + ")".repeat(10_000) + "}";
        ExpressionException nested = assertThrows(ExpressionException.class, () -> eval(brackets));
        assertTrue(nested.getMessage().contains("nested deeper than " + ExpressionEvaluator.MAX_NESTING + " levels at column "),
                nested.getMessage());
        assertTrue(nested.getMessage().length() < 1_000, "the message does not repeat the whole expression");
        assertEquals("6", eval("${" + "(".repeat(ExpressionEvaluator.MAX_NESTING) + "6" + ")".repeat(ExpressionEvaluator.MAX_NESTING) + "}"),
                "nesting up to the limit works");

        ExpressionException unary = assertThrows(ExpressionException.class, () -> eval("${" + "-".repeat(100_000) + "1}"));
        assertTrue(unary.getMessage().contains("processor P key k"), unary.getMessage());
    }

    @Test
    void regularExpressionsMatchAndARunawayOneGivesUpInsteadOfRunningForMinutes() {
        assertEquals("true", eval("${name =~ 'rep.*'}"));
        assertEquals("false", eval("${name =~ 'x.*'}"));
        assertEquals("true", eval("${name !~ 'x.*'}"));
        assertEquals("true", eval("${'b' =~ ['a', 'b']}"), "=~ on a list is still membership");
        Map<String, Object> hostile = FlowObject.of(Map.of("text", "a".repeat(500))).metadata();
        long before = System.nanoTime();
        ExpressionException runaway = assertThrows(ExpressionException.class,
                () -> evaluator.evaluate("${text =~ '.*a.*a.*a.*b'}", hostile, "processor P key k"));
        assertTrue(runaway.getMessage().contains("gave up after " + BoundedArithmetic.MAX_REGEX_READS + " character reads"),
                runaway.getMessage());
        assertTrue(runaway.getMessage().startsWith("processor P key k"), runaway.getMessage());
        // unbounded, this match makes about 2.6 billion reads: minutes, not the budget's fraction of a second
        assertTrue(System.nanoTime() - before < 30_000_000_000L, "gave up within the budget");
    }

    @Test
    void aRunawayRegularExpressionStopsOnAnInterrupt() throws Exception {
        Map<String, Object> hostile = FlowObject.of(Map.of("text", "a".repeat(500))).metadata();
        Thread.currentThread().interrupt();
        try {
            ExpressionException stopped = assertThrows(ExpressionException.class,
                    () -> evaluator.evaluate("${text =~ '.*a.*a.*a.*b'}", hostile, "processor P key k"));
            assertTrue(stopped.getMessage().contains("interrupt") || stopped.getMessage().contains("cancel"), stopped.getMessage());
            // the match itself sees the interrupt, not only JEXL between its steps
            Thread.currentThread().interrupt();
            Pattern pattern = Pattern.compile(".*a.*a.*a.*b");
            IllegalStateException inMatch = assertThrows(IllegalStateException.class,
                    () -> pattern.matcher(new BoundedArithmetic.BoundedText("a".repeat(500), pattern.pattern())).matches());
            assertTrue(inMatch.getMessage().contains("was interrupted"), inMatch.getMessage());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void anExpressionCannotBuildMoreThanItsLimit() {
        long before = System.nanoTime();
        ExpressionException range = assertThrows(ExpressionException.class, () -> eval("${{\"a\": 1..2147483647}}"));
        assertTrue(range.getMessage().contains("builds more than " + ExpressionEvaluator.MAX_ELEMENTS + " elements"), range.getMessage());
        ExpressionException list = assertThrows(ExpressionException.class, () -> eval("${[1..6000, 1..6000]}"));
        assertTrue(list.getMessage().contains("builds more than"), list.getMessage());
        assertTrue(System.nanoTime() - before < 5_000_000_000L, "refused without walking the ranges");
        assertEquals("[1,2,3]", eval("${[1, 2, 3]}"), "small structures are fine");
    }
}
