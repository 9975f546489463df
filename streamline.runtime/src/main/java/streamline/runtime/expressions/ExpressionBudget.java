package streamline.runtime.expressions;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * What one configuration value's evaluation may build and walk, counted as it goes, so that a value is refused
 * before it is allocated: elements of the lists, sets, maps and ranges it builds, characters of the text it builds
 * (concatenations, collections turned into text, texts placed into collections), and elements visited by walks
 * over collections (membership), where an interrupt (the step timeout's watchdog) is also seen. Values the
 * evaluation built are remembered so that placing one into another collection is not counted twice.
 * One budget per evaluation, used by one thread.
 */
final class ExpressionBudget {

    /** Most elements one evaluation may build, nested ones included; a range counts its elements. */
    static final int MAX_ELEMENTS = 10_000;
    /** Most characters of text one evaluation may build, and the longest value it may give. */
    static final int MAX_TEXT = 1 << 20;
    /** Most collection elements one evaluation may visit (membership tests). */
    static final long MAX_VISITS = 1_000_000;

    private long elements;
    private long characters;
    private long visits;
    private String missing;
    /** Made on the first collection built: most values build none. */
    private Set<Object> built;

    /** Counts {@code count} elements about to be built. */
    void elements(long count) {
        if (count > MAX_ELEMENTS - elements) {
            throw new ExpressionLimitException("builds more than " + MAX_ELEMENTS + " elements");
        }
        elements += count;
    }

    /** Counts {@code count} characters about to be built. */
    void characters(long count) {
        if (count > MAX_TEXT - characters) {
            throw new ExpressionLimitException("builds more than " + MAX_TEXT + " characters of text");
        }
        characters += count;
    }

    /** Characters that may still be built. */
    long charactersLeft() {
        return MAX_TEXT - characters;
    }

    /** Counts one element visited by a walk, and stops the walk on an interrupt (the flag is kept). */
    void visit() {
        if (++visits > MAX_VISITS) {
            throw new ExpressionLimitException("visits more than " + MAX_VISITS + " collection elements");
        }
        if ((visits & 0x3FF) == 0) {
            interrupted();
        }
    }

    /** Throws when the thread is interrupted, keeping its interrupt flag. */
    static void interrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new ExpressionLimitException("was interrupted");
        }
    }

    /**
     * Remembers the first key read that was not there: JEXL reads a condition ({@code x ? a : b}, {@code x ?? y})
     * leniently, and the evaluation is refused afterwards all the same.
     */
    void missing(String description) {
        if (missing == null) {
            missing = description;
        }
    }

    /** The first key read that was not there, described, or null. */
    String missing() {
        return missing;
    }

    /** Remembers a collection this evaluation built and counted. */
    <T> T built(T value) {
        if (built == null) {
            built = Collections.newSetFromMap(new IdentityHashMap<>());
        }
        built.add(value);
        return value;
    }

    boolean isBuilt(Object value) {
        return built != null && built.contains(value);
    }

    /** An expression went past a limit, or was interrupted. An {@link ArithmeticException}, as JEXL expects of its arithmetic. */
    static final class ExpressionLimitException extends ArithmeticException {
        private static final long serialVersionUID = 1L;

        ExpressionLimitException(String message) {
            super(message);
        }
    }
}
