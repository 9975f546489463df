package streamline.runtime;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.jexl3.JexlBuilder;
import org.apache.commons.jexl3.JexlContext;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlFeatures;
import org.apache.commons.jexl3.JexlExpression;
import org.apache.commons.jexl3.introspection.JexlPermissions;
import org.apache.commons.jexl3.introspection.JexlSandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.flow.Values;
import streamline.api.processor.ExpressionException;

/**
 * Evaluates the {@code ${…}} expressions of configuration values over a session's metadata, with
 * Apache Commons JEXL configured as a sandbox: the only callable methods are the helpers of
 * {@link ExpressionFunctions}; no class, reflection, file or process access; no loops, no
 * assignments, no {@code new}. A metadata key is read by its name ({@code ${name}}), and a key that
 * is not an identifier, such as one with dots, as {@code ${$env["WriteFile.OutputPath"]}} (the Go
 * form) or {@code ${WriteFile.OutputPath}} (JEXL's dotted names). A missing key is an error naming it;
 * a map or list value is written as JSON. Parsed templates are cached by text.
 */
final class ExpressionEvaluator {

    /** The variable that holds the whole metadata map, as the Go engine named it. */
    static final String METADATA_VARIABLE = "$env";
    /** Most elements a value may have, counting nested maps and collections: one is turned into text whole. */
    static final int MAX_ELEMENTS = 10_000;
    /** Longest text a configuration value may evaluate to. */
    static final int MAX_TEXT = 1 << 20;
    /** Deepest nesting of brackets an expression may have: JEXL parses and evaluates recursively, so a deeper one would overflow the stack. */
    static final int MAX_NESTING = 64;

    private final JexlEngine jexl;
    private final Map<String, List<Object>> parsed = new ConcurrentHashMap<>();
    private final ObjectMapper json;

    /** @param envAllowed the environment variables {@code env(name)} may read: names, or prefixes ending in {@code *} */
    ExpressionEvaluator(List<String> envAllowed) {
        this.json = new ObjectMapper();
        // nothing is allowed but the helpers, and reading (not calling methods of) maps and lists
        JexlSandbox sandbox = new JexlSandbox(false, true);
        sandbox.allow(ExpressionFunctions.class.getName());
        sandbox.permissions(Map.class.getName(), true, true, false, false);
        sandbox.permissions(List.class.getName(), true, true, false, false);
        Map<String, Object> namespaces = new HashMap<>();
        namespaces.put(null, new ExpressionFunctions(envAllowed));
        JexlFeatures features = new JexlFeatures()
                .loops(false).sideEffect(false).sideEffectGlobal(false).newInstance(false)
                .lambda(false).methodCall(true).structuredLiteral(true).script(false).pragma(false)
                .annotation(false).importPragma(false).namespacePragma(false);
        this.jexl = new JexlBuilder()
                // JEXL introspects only packages it is allowed: the helpers', and the API's immutable metadata maps and lists
                // (the sandbox above still limits those to reading)
                .permissions(JexlPermissions.RESTRICTED.compose(ExpressionFunctions.class.getPackageName() + ".*",
                        Values.class.getPackageName() + ".*"))
                .sandbox(sandbox)
                .namespaces(namespaces)
                .features(features)
                .strict(true)
                // regular-expression matches give up past a budget of work, or on an interrupt
                .arithmetic(new BoundedArithmetic(true))
                .silent(false)
                .safe(false)
                .cache(256)
                // an interrupt (the step timeout's watchdog) stops an evaluation in progress
                .cancellable(true)
                .create();
    }

    /** Whether a text holds an expression at all (most configuration values do not). */
    static boolean hasExpression(String text) {
        return text.contains("${");
    }

    /**
     * Evaluates every {@code ${…}} of {@code text} over {@code metadata}; the text around them is
     * kept exactly, backslashes included.
     *
     * @param where what the text belongs to, for error messages (processor and key)
     */
    String evaluate(String text, Map<String, Object> metadata, String where) {
        if (!hasExpression(text)) {
            return text;
        }
        List<Object> segments;
        try {
            segments = parsed.computeIfAbsent(text, this::parse);
        } catch (JexlException | IllegalArgumentException e) {
            throw new ExpressionException(where + ": cannot parse '" + abbreviated(text) + "': " + cause(e), e);
        } catch (StackOverflowError e) {
            // nesting other than brackets (a long chain of unary operators) can still recurse too deep
            throw new ExpressionException(where + ": cannot parse '" + abbreviated(text) + "': nested too deeply");
        }
        MetadataContext context = new MetadataContext(metadata);
        StringBuilder out = new StringBuilder();
        for (Object segment : segments) {
            if (segment instanceof String literal) {
                out.append(literal);
                continue;
            }
            JexlExpression expression = (JexlExpression) segment;
            Object value;
            try {
                value = expression.evaluate(context);
            } catch (JexlException e) {
                throw new ExpressionException(where + ": cannot evaluate '${" + expression.getSourceText() + "}': " + cause(e), e);
            } catch (RuntimeException e) {
                throw new ExpressionException(where + ": cannot evaluate '${" + expression.getSourceText() + "}': " + e, e);
            } catch (StackOverflowError e) {
                throw new ExpressionException(where + ": cannot evaluate '${" + abbreviated(expression.getSourceText())
                        + "}': nested too deeply");
            }
            if (value == null) {
                throw new ExpressionException(where + ": '${" + expression.getSourceText() + "}' has no value");
            }
            if (elements(value, MAX_ELEMENTS) > MAX_ELEMENTS) {
                throw new ExpressionException(where + ": '${" + abbreviated(expression.getSourceText()) + "}' builds more than "
                        + MAX_ELEMENTS + " elements");
            }
            out.append(text(value));
            if (out.length() > MAX_TEXT) {
                throw new ExpressionException(where + ": the value is longer than " + MAX_TEXT + " characters");
            }
        }
        return out.toString();
    }

    /** Splits a text into literal strings and the expressions of its {@code ${…}} parts. */
    private List<Object> parse(String text) {
        List<Object> segments = new ArrayList<>();
        int from = 0;
        int open;
        while ((open = text.indexOf("${", from)) >= 0) {
            if (open > from) {
                segments.add(text.substring(from, open));
            }
            int close = closingBrace(text, open + 2);
            if (close < 0) {
                throw new IllegalArgumentException("'${' at column " + (open + 1) + " is not closed");
            }
            String source = text.substring(open + 2, close);
            if (source.isBlank()) {
                throw new IllegalArgumentException("empty '${}' at column " + (open + 1));
            }
            segments.add(jexl.createExpression(source));
            from = close + 1;
        }
        if (from < text.length()) {
            segments.add(text.substring(from));
        }
        return List.copyOf(segments);
    }

    /**
     * The index of the brace closing an expression that starts at {@code from}, skipping quoted text and
     * nested braces; refuses brackets nested deeper than {@link #MAX_NESTING} before the recursive parser sees them.
     */
    private static int closingBrace(String text, int from) {
        int depth = 0;
        int nesting = 0;
        char quote = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '}' && depth == 0) {
                return i;
            } else if (c == '(' || c == '[' || c == '{') {
                if (++nesting > MAX_NESTING) {
                    throw new IllegalArgumentException("nested deeper than " + MAX_NESTING + " levels at column " + (i + 1));
                }
                depth += c == '{' ? 1 : 0;
            } else if (c == ')' || c == ']' || c == '}') {
                nesting--;
                depth -= c == '}' ? 1 : 0;
            }
        }
        return -1;
    }

    /**
     * How many elements a value holds, nested ones included, counted only up to {@code budget}: a range
     * such as {@code 1..2147483647} is never walked, its size is read.
     */
    private static long elements(Object value, long budget) {
        long count = 0;
        if (value instanceof Map<?, ?> map) {
            count = map.size();
            for (Object nested : map.values()) {
                if (count > budget) {
                    break;
                }
                count += elements(nested, budget - count);
            }
        } else if (value != null && value.getClass().isArray() && !value.getClass().getComponentType().isPrimitive()) {
            return elements(Arrays.asList((Object[]) value), budget);
        } else if (value != null && value.getClass().isArray()) {
            count = Array.getLength(value);
        } else if (value instanceof Collection<?> collection) {
            count = collection.size();
            if (count <= budget) {
                for (Object nested : collection) {
                    count += elements(nested, budget - count);
                    if (count > budget) {
                        break;
                    }
                }
            }
        }
        return count;
    }

    /** A text for an error message: a hostile expression may be megabytes long. */
    private static String abbreviated(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "… (" + text.length() + " characters)";
    }

    /** A value as configuration text: strings as they are, maps, lists and arrays as JSON. */
    String text(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Map<?, ?> || value instanceof List<?> || value.getClass().isArray()) {
            try {
                return json.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new ExpressionException("cannot write " + value + " as JSON: " + e.getOriginalMessage(), e);
            }
        }
        return String.valueOf(value);
    }

    private static String cause(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof JexlException.Variable variable) {
            return "no metadata key '" + variable.getVariable() + "'";
        }
        if (root instanceof JexlException.Property property) {
            return "no metadata key or property '" + property.getProperty() + "'";
        }
        if (root instanceof JexlException.Method method) {
            return "function or method '" + method.getMethod() + "' is not available (allowed: uuid(), random(n), env(name), getEnv(name))";
        }
        String message = root.getMessage();
        return message == null ? root.toString() : message;
    }

    /** The metadata as expression variables, read-only. */
    private static final class MetadataContext implements JexlContext {
        private final Map<String, Object> metadata;

        MetadataContext(Map<String, Object> metadata) {
            this.metadata = metadata;
        }

        @Override
        public Object get(String name) {
            if (METADATA_VARIABLE.equals(name)) {
                return metadata;
            }
            return metadata.get(name);
        }

        @Override
        public void set(String name, Object value) {
            throw new UnsupportedOperationException("expressions cannot assign '" + name + "'");
        }

        @Override
        public boolean has(String name) {
            return METADATA_VARIABLE.equals(name) || metadata.containsKey(name);
        }
    }
}
