package streamline.runtime.expressions;

import java.io.IOException;
import java.io.Writer;
import java.util.Collection;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.runtime.expressions.ExpressionBudget.ExpressionLimitException;

/**
 * Writes the collections an expression gives (maps, lists, sets, ranges, arrays) as JSON, in their own order
 * (map literals and sets keep the order they were written in), stopping as soon as the text would pass a limit:
 * a structure that would print as gigabytes is refused after the limit's worth of characters, not built.
 */
final class ExpressionJson {

    private final ObjectMapper json = new ObjectMapper();

    /** Whether a value prints as JSON rather than as itself. */
    static boolean isCollection(Object value) {
        return value instanceof Map<?, ?> || value instanceof Collection<?> || (value != null && value.getClass().isArray());
    }

    /** A value as text: collections as JSON of at most {@code limit} characters, anything else as itself. */
    String text(Object value, long limit) {
        if (!isCollection(value)) {
            return String.valueOf(value);
        }
        LimitedWriter out = new LimitedWriter(limit);
        try {
            json.writeValue(out, value);
        } catch (IOException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof ExpressionLimitException limit1) {
                    throw limit1;
                }
            }
            throw new IllegalArgumentException("cannot write the value as JSON: " + e.getMessage(), e);
        }
        return out.text.toString();
    }

    /** Collects text up to a limit, and refuses more. */
    private static final class LimitedWriter extends Writer {
        private final StringBuilder text = new StringBuilder();
        private final long limit;

        LimitedWriter(long limit) {
            this.limit = limit;
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            if (length > limit - text.length()) {
                throw new ExpressionLimitException("builds more than " + ExpressionBudget.MAX_TEXT + " characters of text");
            }
            ExpressionBudget.interrupted();
            text.append(chars, offset, length);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
