package streamline.runtime.expressions;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a configuration value into its literal text and the sources of its {@code ${…}} expressions, finding
 * each expression's end past quoted text, nested braces and backtick templates. A backtick template
 * ({@code `a ${x} b`}) is rewritten into a concatenation ({@code ('' + 'a ' + (x) + ' b')}) so that it is built
 * by the bounded arithmetic like any other text, and prints collections as JSON; inside it, quotes are plain text.
 * Outside expressions, <code>$${</code> is a literal <code>${</code> (text is otherwise kept as written, backslashes
 * included, so a backslash cannot be the escape); inside a backtick template, <code>\${</code> is.
 */
final class ExpressionSource {

    /** Deepest nesting of brackets and templates an expression may have: JEXL parses and evaluates recursively. */
    static final int MAX_NESTING = 64;
    /** Most digits in a row: parsing a whole number takes time quadratic in its digits. */
    static final int MAX_DIGITS = 1000;

    private final String text;
    private int position;
    private int nesting;

    private ExpressionSource(String text) {
        this.text = text;
    }

    /**
     * The literal strings and expression sources of a text, in order: literal text as {@link String}, an
     * expression's (rewritten) source as {@link Expression}.
     *
     * @throws IllegalArgumentException naming the column of an unclosed or too deeply nested part
     */
    static List<Object> split(String text) {
        List<Object> segments = new ArrayList<>();
        ExpressionSource scanner = new ExpressionSource(text);
        int from = 0;
        int open;
        StringBuilder literal = new StringBuilder();
        while ((open = text.indexOf("${", from)) >= 0) {
            if (open > from && text.charAt(open - 1) == '$') {
                // "$${" is a literal "${": the dollar before the opening is the escape
                literal.append(text, from, open - 1).append("${");
                from = open + 2;
                continue;
            }
            literal.append(text, from, open);
            if (!literal.isEmpty()) {
                segments.add(literal.toString());
                literal.setLength(0);
            }
            scanner.position = open + 2;
            String source = scanner.expression(open);
            if (source.isBlank()) {
                throw new IllegalArgumentException("empty '${}' at column " + (open + 1));
            }
            segments.add(new Expression(text.substring(open + 2, scanner.position - 1), source));
            from = scanner.position;
        }
        literal.append(text, from, text.length());
        if (!literal.isEmpty()) {
            segments.add(literal.toString());
        }
        return segments;
    }

    /** An expression as written, and the source given to JEXL. */
    record Expression(String written, String source) {
    }

    /** Reads an expression up to and including its closing brace; returns its source with templates rewritten. */
    private String expression(int open) {
        StringBuilder source = new StringBuilder();
        int depth = 0;
        int digits = 0;
        while (position < text.length()) {
            char c = text.charAt(position++);
            digits = c >= '0' && c <= '9' ? digits + 1 : 0;
            if (digits > MAX_DIGITS) {
                throw new IllegalArgumentException("a number of more than " + MAX_DIGITS + " digits at column " + position);
            }
            if (c == '\'' || c == '"') {
                source.append(c).append(quoted(c, open));
            } else if (c == '`') {
                deeper(position - 1);
                source.append(template(open));
                nesting--;
            } else if (c == '}' && depth == 0) {
                return source.toString();
            } else {
                if (c == '(' || c == '[' || c == '{') {
                    deeper(position - 1);
                    depth += c == '{' ? 1 : 0;
                } else if (c == ')' || c == ']' || c == '}') {
                    nesting = Math.max(0, nesting - 1); // a stray closing bracket buys no extra depth
                    depth -= c == '}' ? 1 : 0;
                }
                source.append(c);
            }
        }
        throw new IllegalArgumentException("'${' at column " + (open + 1) + " is not closed");
    }

    /** The rest of a quoted string after its opening quote, closing quote included, escapes kept. */
    private String quoted(char quote, int open) {
        int start = position;
        while (position < text.length()) {
            char c = text.charAt(position++);
            if (c == '\\') {
                position++;
            } else if (c == quote) {
                return text.substring(start, position);
            }
        }
        throw new IllegalArgumentException("'${' at column " + (open + 1) + " is not closed (a quote " + quote + " is open)");
    }

    /** The rest of a backtick template after its opening backtick, as a concatenation of its parts. */
    private String template(int open) {
        int start = position - 1;
        StringBuilder concatenation = new StringBuilder("(''");
        StringBuilder literal = new StringBuilder();
        while (position < text.length()) {
            char c = text.charAt(position++);
            if (c == '\\' && position < text.length()) {
                literal.append(text.charAt(position++));
            } else if (c == '`') {
                appendLiteral(concatenation, literal);
                return concatenation.append(')').toString();
            } else if (c == '$' && position < text.length() && text.charAt(position) == '{') {
                position++;
                appendLiteral(concatenation, literal);
                String inner = expression(position - 2);
                if (inner.isBlank()) {
                    throw new IllegalArgumentException("empty '${}' in the template at column " + (start + 1));
                }
                concatenation.append(" + (").append(inner).append(')');
            } else {
                literal.append(c);
            }
        }
        throw new IllegalArgumentException("'${' at column " + (open + 1) + " is not closed (the template at column "
                + (start + 1) + " is open)");
    }

    private static void appendLiteral(StringBuilder concatenation, StringBuilder literal) {
        if (literal.isEmpty()) {
            return;
        }
        concatenation.append(" + '");
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            switch (c) {
                case '\'', '\\' -> concatenation.append('\\').append(c);
                case '\n' -> concatenation.append("\\n");
                case '\r' -> concatenation.append("\\r");
                case '\u2028', '\u2029' -> concatenation.append(String.format("\\u%04x", (int) c));
                default -> concatenation.append(c);
            }
        }
        concatenation.append('\'');
        literal.setLength(0);
    }

    private void deeper(int at) {
        if (++nesting > MAX_NESTING) {
            throw new IllegalArgumentException("nested deeper than " + MAX_NESTING + " levels at column " + (at + 1));
        }
    }
}
