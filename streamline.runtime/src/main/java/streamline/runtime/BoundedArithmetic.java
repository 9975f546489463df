package streamline.runtime;

import java.math.MathContext;
import java.util.regex.Pattern;

import org.apache.commons.jexl3.JexlArithmetic;

/**
 * JEXL's arithmetic with regular-expression matches ({@code =~}, {@code !~}) that cannot run away:
 * a match reads its text through {@link BoundedText}, which gives up after
 * {@link #MAX_REGEX_READS} character reads or on an interrupt (the step timeout's watchdog). A
 * backtracking pattern such as {@code .*a.*a.*a.*b} over a few hundred characters would otherwise
 * run for minutes, and Java's regular expressions neither count their work nor see interrupts.
 */
final class BoundedArithmetic extends JexlArithmetic {

    /** Character reads one match may make: a linear pattern reads a 1 MiB text a few times within it. */
    static final long MAX_REGEX_READS = 20_000_000;

    BoundedArithmetic(boolean strict) {
        super(strict);
    }

    private BoundedArithmetic(boolean strict, MathContext context, int scale) {
        super(strict, context, scale);
    }

    @Override
    protected JexlArithmetic createWithOptions(boolean strict, MathContext context, int scale) {
        return new BoundedArithmetic(strict, context, scale); // options must not lose the bound
    }

    @Override
    public Boolean contains(Object container, Object value) {
        if (value == null || !(container instanceof CharSequence || container instanceof Pattern)) {
            return super.contains(container, value);
        }
        Pattern pattern = container instanceof Pattern compiled ? compiled : Pattern.compile(container.toString());
        return pattern.matcher(new BoundedText(value.toString(), pattern.pattern())).matches();
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

        private static String abbreviated(String pattern) {
            return pattern.length() <= 60 ? pattern : pattern.substring(0, 60) + "…";
        }
    }
}
