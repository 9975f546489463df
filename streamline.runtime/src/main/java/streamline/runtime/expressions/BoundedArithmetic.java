package streamline.runtime.expressions;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.commons.jexl3.JexlArithmetic;

import streamline.runtime.expressions.ExpressionBudget.ExpressionLimitException;

/**
 * JEXL's arithmetic, bounded: everything an expression builds is counted against its evaluation's
 * {@link ExpressionBudget} before it is allocated, and every walk over a collection counts its steps and sees an
 * interrupt (JEXL itself checks for cancellation only between the nodes of an expression).
 * <ul>
 * <li>A range ({@code 1..5}) is built as a list of its elements, counted as such: a range of more elements than the
 * budget allows is refused at once, never walked.</li>
 * <li>List, set and map literals count their elements and the text placed into them; they keep their written
 * order; a map literal whose keys would print alike ({@code {1:'a','1':'b'}}) is refused: JSON cannot hold both.</li>
 * <li>Concatenation counts the text it builds; a collection joins text as JSON.</li>
 * <li>Membership ({@code =~}, {@code !~}) over collections walks element by element, counted; a regular-expression
 * match reads its text through {@link BoundedText}, which gives up after {@link #MAX_REGEX_READS} character reads
 * or on an interrupt (Java's regular expressions neither count their work nor see interrupts).</li>
 * <li>A left shift may not build a whole number of more than {@link #MAX_BITS} bits (JEXL bounds sums and
 * products of big numbers itself, by its math context, but not shifts).</li>
 * </ul>
 */
final class BoundedArithmetic extends JexlArithmetic {

    /** Character reads one match may make: a linear pattern reads a 1 MiB text a few times within it. */
    static final long MAX_REGEX_READS = 20_000_000;
    /** Largest whole number, in bits, a shift may build. */
    static final int MAX_BITS = 4096;
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private final Supplier<ExpressionBudget> budget;
    private final ExpressionJson json;

    /** @param budget the budget of the evaluation running on the calling thread */
    BoundedArithmetic(boolean strict, Supplier<ExpressionBudget> budget, ExpressionJson json) {
        super(strict);
        this.budget = budget;
        this.json = json;
    }

    private BoundedArithmetic(boolean strict, MathContext context, int scale, Supplier<ExpressionBudget> budget,
            ExpressionJson json) {
        super(strict, context, scale);
        this.budget = budget;
        this.json = json;
    }

    @Override
    protected JexlArithmetic createWithOptions(boolean strict, MathContext context, int scale) {
        return new BoundedArithmetic(strict, context, scale, budget, json); // options must not lose the bounds
    }

    @Override
    public Iterable<?> createRange(Object from, Object to) {
        long first = toLong(from);
        long last = toLong(to);
        BigInteger size = BigInteger.valueOf(last).subtract(BigInteger.valueOf(first)).abs().add(BigInteger.ONE);
        if (size.compareTo(BigInteger.valueOf(ExpressionBudget.MAX_ELEMENTS)) > 0) {
            throw new ExpressionLimitException("the range " + first + ".." + last + " has " + size + " elements: builds more than "
                    + ExpressionBudget.MAX_ELEMENTS + " elements");
        }
        ExpressionBudget counted = budget.get();
        int count = size.intValue();
        counted.elements(count);
        counted.characters((long) count * (Math.max(String.valueOf(first).length(), String.valueOf(last).length()) + 1));
        boolean ints = first >= Integer.MIN_VALUE && first <= Integer.MAX_VALUE && last >= Integer.MIN_VALUE && last <= Integer.MAX_VALUE;
        long direction = last >= first ? 1 : -1;
        List<Object> elements = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long value = first + direction * i;
            elements.add(ints ? (Object) (int) value : (Object) value);
        }
        return counted.built(Collections.unmodifiableList(elements));
    }

    @Override
    public ArrayBuilder arrayBuilder(int size) {
        return arrayBuilder(size, false);
    }

    @Override
    public ArrayBuilder arrayBuilder(int size, boolean extended) {
        ExpressionBudget counted = budget.get();
        List<Object> elements = new ArrayList<>();
        return new ArrayBuilder() {
            @Override
            public void add(Object value) {
                elements.add(counted(counted, value));
            }

            @Override
            public Object create(boolean extendedList) {
                return counted.built(Collections.unmodifiableList(elements));
            }
        };
    }

    @Override
    public SetBuilder setBuilder(int size) {
        return setBuilder(size, false);
    }

    @Override
    public SetBuilder setBuilder(int size, boolean extended) {
        ExpressionBudget counted = budget.get();
        Set<Object> elements = new LinkedHashSet<>();
        return new SetBuilder() {
            @Override
            public void add(Object value) {
                elements.add(counted(counted, value));
            }

            @Override
            public Object create() {
                return counted.built(Collections.unmodifiableSet(elements));
            }
        };
    }

    @Override
    public MapBuilder mapBuilder(int size) {
        return mapBuilder(size, false);
    }

    @Override
    public MapBuilder mapBuilder(int size, boolean extended) {
        ExpressionBudget counted = budget.get();
        Map<Object, Object> entries = new LinkedHashMap<>();
        Map<String, Object> keyTexts = new HashMap<>();
        return new MapBuilder() {
            @Override
            public void put(Object key, Object value) {
                if (!(key instanceof String || key instanceof Number || key instanceof Boolean)) {
                    throw new ExpressionLimitException("a map key must be text, a number or a boolean, not "
                            + (key == null ? "null" : ExpressionJson.isCollection(key) ? "a collection" : key.getClass().getSimpleName()));
                }
                String text = key.toString();
                if (keyTexts.putIfAbsent(text, key) != null) {
                    throw new ExpressionLimitException("the map repeats the key '" + abbreviated(text)
                            + "' (keys print as JSON text, where they must differ)");
                }
                counted.characters(text.length());
                entries.put(key, counted(counted, value));
            }

            @Override
            public Object create() {
                return counted.built(Collections.unmodifiableMap(entries));
            }
        };
    }

    /** Counts a value about to be placed into a collection being built: one element and what it holds. */
    private Object counted(ExpressionBudget counted, Object value) {
        counted.elements(1);
        held(counted, value);
        return value;
    }

    /** Counts what a value holds, unless this evaluation built (and counted) it already. */
    private void held(ExpressionBudget counted, Object value) {
        if (counted.isBuilt(value)) {
            return;
        }
        if (value instanceof CharSequence text) {
            counted.characters(text.length());
        } else if (value instanceof Map<?, ?> map) {
            counted.elements(map.size());
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                counted.visit();
                held(counted, entry.getKey());
                held(counted, entry.getValue());
            }
        } else if (value instanceof Collection<?> collection) {
            counted.elements(collection.size());
            for (Object element : collection) {
                counted.visit();
                held(counted, element);
            }
        } else if (value != null && value.getClass().isArray()) {
            counted.characters(json.text(value, counted.charactersLeft()).length());
        } else if (value != null) {
            counted.characters(String.valueOf(value).length());
        }
    }

    @Override
    public Object add(Object left, Object right) {
        if (left instanceof CharSequence || right instanceof CharSequence
                || ExpressionJson.isCollection(left) || ExpressionJson.isCollection(right)) {
            String first = toString(left);
            String second = toString(right);
            budget.get().characters((long) first.length() + second.length());
            return first.concat(second);
        }
        return super.add(left, right);
    }

    @Override
    public String toString(Object value) {
        if (ExpressionJson.isCollection(value)) {
            ExpressionBudget counted = budget.get();
            String text = json.text(value, counted.charactersLeft());
            counted.characters(text.length());
            return text;
        }
        return super.toString(value);
    }

    @Override
    public Object shiftLeft(Object left, Object right) {
        if (left instanceof Number && right instanceof Number
                && toLong(right) > MAX_BITS - toBigInteger(left).bitLength()) {
            throw new ExpressionLimitException("a shift would build a number of more than " + MAX_BITS + " bits");
        }
        return super.shiftLeft(left, right);
    }

    /**
     * A whole number within a long (ranges, bitwise operators): a number outside would keep its low 64 bits
     * ({@code 1e19B} as -8446744073709551616) or become 0, silently.
     */
    @Override
    public long toLong(Object value) {
        boolean outside = value instanceof BigDecimal decimal
                ? decimal.compareTo(LONG_MIN) < 0 || decimal.compareTo(LONG_MAX) > 0
                : value instanceof BigInteger whole ? whole.bitLength() > 63
                : (value instanceof Double || value instanceof Float) && Math.abs(((Number) value).doubleValue()) >= 0x1p63;
        if (outside) {
            throw new ExpressionLimitException("the number " + value + " is not within the whole numbers from " + Long.MIN_VALUE
                    + " to " + Long.MAX_VALUE);
        }
        return super.toLong(value);
    }

    /**
     * A whole number of at most {@link #MAX_BITS} bits: a decimal such as {@code 1e99999999B} is one digit and an
     * exponent, and writing out its digits would take minutes no interrupt can stop.
     */
    @Override
    public BigInteger toBigInteger(Object value) {
        if (value instanceof BigDecimal decimal && decimal.signum() != 0
                && (long) decimal.precision() - decimal.scale() > MAX_BITS * Math.log10(2) + 1) {
            throw new ExpressionLimitException("the number " + decimal + " has more than " + MAX_BITS
                    + " bits as a whole number");
        }
        return super.toBigInteger(value);
    }

    @Override
    public Boolean contains(Object container, Object value) {
        if (value != null && (container instanceof CharSequence || container instanceof Pattern)) {
            Pattern pattern = container instanceof Pattern compiled ? compiled : Pattern.compile(container.toString());
            return pattern.matcher(new BoundedText(toString(value), pattern.pattern())).matches();
        }
        if (container instanceof Map<?, ?> map) {
            if (value instanceof Map<?, ?> keys) {
                return containsAll(map.keySet(), keys.keySet());
            }
            return value instanceof Collection<?> keys ? containsAll(map.keySet(), keys) : map.containsKey(value);
        }
        if (container instanceof Collection<?> collection) {
            return value instanceof Collection<?> values ? containsAll(collection, values) : member(collection, value);
        }
        return super.contains(container, value);
    }

    private boolean containsAll(Collection<?> container, Collection<?> values) {
        for (Object value : values) {
            budget.get().visit();
            if (!member(container, value)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a collection holds a value, by JEXL's equality; sets by their own lookup. */
    private boolean member(Collection<?> collection, Object value) {
        if (collection instanceof Set<?> set && (set.contains(value))) {
            return true;
        }
        ExpressionBudget counted = budget.get();
        for (Object element : collection) {
            counted.visit();
            if (Objects.equals(element, value) || element instanceof Number && value instanceof Number && equals(element, value)) {
                return true;
            }
        }
        return false;
    }

    private static String abbreviated(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }

    /** A text whose reads are counted: past the budget, or once the thread is interrupted, a read throws. */
    static final class BoundedText implements CharSequence {
        private final String text;
        private final String pattern;
        private long reads;

        BoundedText(String text, String pattern) {
            this.text = text;
            this.pattern = pattern;
        }

        @Override
        public char charAt(int index) {
            if (++reads > MAX_REGEX_READS) {
                throw new IllegalStateException("the regular expression '" + abbreviated(pattern) + "' gave up after "
                        + MAX_REGEX_READS + " character reads on a text of " + text.length()
                        + " characters (it backtracks too much: anchor it, or make it less ambiguous)");
            }
            if ((reads & 0xFFFF) == 0 && Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("the regular expression '" + abbreviated(pattern) + "' was interrupted");
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.substring(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
