package streamline.runtime.expressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import streamline.api.processor.ExpressionException;
import streamline.api.processor.FlowObject;

/** What an expression builds and walks is bounded before it is built, and a walk sees an interrupt. */
class ExpressionBoundsTest {

    private final ExpressionEvaluator evaluator = new ExpressionEvaluator(List.of());
    private final Map<String, Object> metadata = FlowObject.of(Map.of(
            "t", "x".repeat(512 * 1024),
            "big", IntStream.range(0, 2_000).mapToObj(i -> "item-" + i).toList())).metadata();

    private String eval(String text) {
        return evaluator.evaluate(text, metadata, "processor P key k");
    }

    private static String refusal(Executable evaluation) {
        return assertThrows(ExpressionException.class, evaluation).getMessage();
    }

    @Test
    void membershipOfHugeRangesIsRefusedAtOnceInsteadOfWalkingThemForever() {
        String message = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> refusal(() -> eval("${(1..9223372036854775807) =~ (1..9223372036854775807)}")));
        assertTrue(message.contains("the range 1..9223372036854775807 has 9223372036854775807 elements: builds more than "
                + ExpressionBudget.MAX_ELEMENTS + " elements"), message);
        assertTrue(message.startsWith("processor P key k"), message);
        assertEquals("true", eval("${(2..3) =~ (1..5)}"), "a range within the budget is still a collection");
        assertEquals("false", eval("${7 =~ (1..5)}"));
    }

    @Test
    void walksOverCollectionsAreCounted() {
        String message = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> refusal(() -> eval("${big =~ big}")));
        assertTrue(message.contains("visits more than " + ExpressionBudget.MAX_VISITS + " collection elements"), message);
        assertEquals("true", eval("${'item-1999' =~ big}"));
    }

    @Test
    void aWalkOverACollectionStopsOnAnInterruptAndKeepsTheFlag() {
        ExpressionBudget budget = new ExpressionBudget();
        BoundedArithmetic arithmetic = new BoundedArithmetic(true, () -> budget, new ExpressionJson());
        List<String> large = Collections.nCopies(100_000, "a");
        Thread.currentThread().interrupt();
        try {
            ArithmeticException stopped = assertThrows(ArithmeticException.class, () -> arithmetic.contains(large, "b"));
            assertEquals("was interrupted", stopped.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt flag is kept for the step's owner");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aListOfCopiesOfALongTextIsRefusedBeforeItsTextIsBuilt() {
        String copies = "${[" + String.join(",", Collections.nCopies(200, "t")) + "]}";
        long allocated = allocatedBy(() -> {
            String message = refusal(() -> eval(copies));
            assertTrue(message.contains("builds more than " + ExpressionBudget.MAX_TEXT + " characters of text"), message);
        });
        // 200 copies of 512 KiB would be 100 MiB of characters as JSON
        assertTrue(allocated < 32L << 20, "refused before the text is built, allocated " + allocated + " bytes");
    }

    @Test
    void aConcatenationOfLongTextsIsRefusedBeforeItIsBuilt() {
        String sum = "${" + String.join("+", Collections.nCopies(200, "t")) + "}";
        long allocated = allocatedBy(() -> {
            String message = refusal(() -> eval(sum));
            assertTrue(message.contains("builds more than " + ExpressionBudget.MAX_TEXT + " characters of text"), message);
        });
        assertTrue(allocated < 32L << 20, "refused before the text is built, allocated " + allocated + " bytes");
        assertEquals(1024 * 1024, eval("${t + t}").length(), "up to the limit concatenation works");
    }

    @Test
    void aTemplateOfLongTextsIsRefusedBeforeItIsBuilt() {
        String template = "${`" + "${t}".repeat(200) + "`}";
        long allocated = allocatedBy(() -> {
            String message = refusal(() -> eval(template));
            assertTrue(message.contains("builds more than " + ExpressionBudget.MAX_TEXT + " characters of text"), message);
        });
        assertTrue(allocated < 32L << 20, "refused before the text is built, allocated " + allocated + " bytes");
    }

    @Test
    void aShiftCannotBuildAHugeNumber() {
        String message = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> refusal(() -> eval("${1H << 2000000}")));
        assertTrue(message.contains("more than " + BoundedArithmetic.MAX_BITS + " bits"), message);
        String overflowing = refusal(() -> eval("${1H << 9223372036854775807}"));
        assertTrue(overflowing.contains("more than " + BoundedArithmetic.MAX_BITS + " bits"), overflowing);
        assertEquals("1024", eval("${1 << 10}"));
        String digits = refusal(() -> eval("${" + "9".repeat(100_000) + "}"));
        assertTrue(digits.contains("a number of more than " + ExpressionSource.MAX_DIGITS + " digits"), digits);

    }

    @Test
    void aDecimalWithAHugeExponentIsRefusedBeforeItsDigitsAreBuilt() {
        // 1e99999999B is small as a decimal (one digit, an exponent); a shift would first write out its 10^8 digits
        String message = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refusal(() -> eval("${(1e99999999B) << 1}")));
        assertTrue(message.contains("more than " + BoundedArithmetic.MAX_BITS + " bits"), message);
        assertEquals("2000", eval("${(1e3B) << 1}"));
    }

    @Test
    void aNumberBeyondTheWholeNumbersOfALongIsRefusedWhereOneIsNeededNotCut() {
        // a decimal past Long.MAX_VALUE would silently keep its low 64 bits (10^19 as -8446744073709551616), or become 0
        String range = refusal(() -> eval("${1e19B..1e19B}"));
        assertTrue(range.contains("1E+19") && range.contains(String.valueOf(Long.MAX_VALUE)), range);
        String bits = refusal(() -> eval("${1e99B & 1}"));
        assertTrue(bits.contains("1E+99"), bits);
        String huge = refusal(() -> eval("${1e300 | 0}"));
        assertTrue(huge.contains("1.0E300"), huge);
        assertEquals("[9223372036854775806,9223372036854775807]", eval("${9223372036854775806..9223372036854775807}"));
        assertEquals("1", eval("${3 & 1}"));
    }

    @Test
    void elementsAreCountedAcrossTheWholeValue() {
        String message = refusal(() -> eval("${[1..6000]} ${[1..6000]}"));
        assertTrue(message.contains("builds more than " + ExpressionBudget.MAX_ELEMENTS + " elements"), message);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            parts.add("{'k" + i + "': [" + i + ", " + (i + 1) + "]}");
        }
        assertTrue(eval("${[" + String.join(",", parts) + "]}").startsWith("[{\"k0\":[0,1]},{\"k1\":[1,2]}"),
                "nested collections are counted once");
    }

    /** Bytes the current thread allocated while running a piece of code. */
    private static long allocatedBy(Runnable code) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        code.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
