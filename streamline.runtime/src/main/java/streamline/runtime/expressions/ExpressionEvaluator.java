package streamline.runtime.expressions;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.jexl3.JexlArithmetic;
import org.apache.commons.jexl3.JexlBuilder;
import org.apache.commons.jexl3.JexlContext;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlExpression;
import org.apache.commons.jexl3.JexlFeatures;
import org.apache.commons.jexl3.JexlScript;
import org.apache.commons.jexl3.introspection.JexlPermissions;
import org.apache.commons.jexl3.introspection.JexlSandbox;

import streamline.api.flow.Values;
import streamline.api.processor.ExpressionException;
import streamline.api.state.StateManager;
import streamline.runtime.expressions.ExpressionBudget.ExpressionLimitException;
import streamline.runtime.expressions.ExpressionUberspect.MissingKeyException;

/**
 * Evaluates the {@code ${…}} expressions of configuration values over a session's metadata, with
 * Apache Commons JEXL configured as a sandbox: an expression reads metadata keys, map keys and list indexes, and
 * calls the helpers of {@link ExpressionFunctions}; nothing else ({@link ExpressionUberspect}): no class,
 * reflection, file or process access; no loops, no assignments, no {@code new}. A metadata key is read by its
 * name ({@code ${name}}), and a key that is not an identifier, such as one with dots, as
 * {@code ${$env["WriteFile.OutputPath"]}} (the Go form) or {@code ${WriteFile.OutputPath}} (JEXL's dotted names).
 * A missing key is an error naming it, wherever it is read. What an evaluation builds is counted as it is built
 * and refused past its {@link ExpressionBudget}; a collection is written as JSON. Parsed values are cached by
 * text, a bounded number of them.
 */
public final class ExpressionEvaluator {

    /** The variable that holds the whole metadata map, as the Go engine named it. */
    static final String METADATA_VARIABLE = "$env";
    /** Most elements a value may build, counting nested maps and collections and the elements of ranges. */
    static final int MAX_ELEMENTS = ExpressionBudget.MAX_ELEMENTS;
    /** Longest text a configuration value may build or evaluate to. */
    static final int MAX_TEXT = ExpressionBudget.MAX_TEXT;
    /** Deepest nesting of brackets and templates an expression may have. */
    static final int MAX_NESTING = ExpressionSource.MAX_NESTING;
    /** Most configuration texts whose parsed form is kept, least recently used dropped first. */
    static final int CACHED_TEXTS = 256;
    /** Longest configuration text whose parsed form is kept: a longer one is parsed at every evaluation. */
    static final int CACHED_TEXT_LENGTH = 1024;

    private final JexlEngine jexl;
    private final ExpressionFunctions functions;
    private final ExpressionJson json = new ExpressionJson();
    /** The budget of the evaluation running on each thread, read by the arithmetic. */
    private final ThreadLocal<ExpressionBudget> budgets = new ThreadLocal<>();
    private final Map<String, List<Object>> parsed = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<Object>> eldest) {
            return size() > CACHED_TEXTS;
        }
    };

    /** @param envAllowed the environment variables {@code env(name)} may read: names, or prefixes ending in {@code *} */
    public ExpressionEvaluator(List<String> envAllowed) {
        // JEXL's own introspection, used for the helpers only (ExpressionUberspect decides what is reachable);
        // the sandbox and permissions stay as a second wall
        JexlSandbox sandbox = new JexlSandbox(false, true);
        sandbox.allow(ExpressionFunctions.class.getName());
        sandbox.permissions(Map.class.getName(), true, true, false, false);
        sandbox.permissions(List.class.getName(), true, true, false, false);
        ExpressionUberspect uberspect = new ExpressionUberspect(new JexlBuilder()
                .permissions(JexlPermissions.RESTRICTED.compose(ExpressionFunctions.class.getPackageName() + ".*",
                        Values.class.getPackageName() + ".*"))
                .sandbox(sandbox)
                .strategy(ExpressionUberspect.STRATEGY)
                .create().getUberspect(), this::budget);
        Map<String, Object> namespaces = new HashMap<>();
        functions = new ExpressionFunctions(envAllowed);
        namespaces.put(null, functions);
        JexlFeatures features = new JexlFeatures()
                .loops(false).sideEffect(false).sideEffectGlobal(false).newInstance(false)
                .lambda(false).methodCall(true).structuredLiteral(true).script(false).pragma(false)
                .annotation(false).importPragma(false).namespacePragma(false);
        this.jexl = new JexlBuilder()
                .uberspect(uberspect)
                .namespaces(namespaces)
                .features(features)
                .strict(true)
                .arithmetic(new BoundedArithmetic(true, this::budget, json))
                .silent(false)
                .safe(false)
                .cache(256)
                // an interrupt (the step timeout's watchdog) stops an evaluation between its steps; the
                // arithmetic's walks see it within theirs
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
    public String evaluate(String text, Map<String, Object> metadata, String where) {
        return evaluate(text, metadata, where, null);
    }

    /**
     * {@link #evaluate(String, Map, String)} with {@code getState}/{@code setState} reading and writing
     * {@code state}, the state of the processor whose configuration it is (null: none, they fail).
     */
    public String evaluate(String text, Map<String, Object> metadata, String where, StateManager state) {
        if (!hasExpression(text)) {
            return text;
        }
        ExpressionFunctions helpers = state == null ? functions : functions.withState(state, value -> json.text(value, MAX_TEXT));
        List<Object> segments = segments(text, where);
        ExpressionBudget budget = new ExpressionBudget();
        StringBuilder out = new StringBuilder();
        budgets.set(budget);
        try {
            for (Object segment : segments) {
                String piece = segment instanceof String literal ? literal
                        : value((Parsed) segment, new MetadataContext(metadata, budget, ((Parsed) segment).dottedPrefixes(metadata), helpers),
                                out.length(), where);
                if (piece.length() > MAX_TEXT - out.length()) {
                    throw new ExpressionException(where + ": the value is longer than " + MAX_TEXT + " characters");
                }
                out.append(piece);
            }
        } finally {
            budgets.remove();
        }
        return out.toString();
    }

    /** An expression as written, and as parsed. */
    private record Parsed(String written, JexlExpression expression, List<List<String>> paths) {

        Parsed(String written, JexlExpression expression) {
            this(written, expression, dotted(((JexlScript) expression).getVariables()));
        }

        /** The dotted variable paths ({@code a.b}) whose first name is not also read alone. */
        private static List<List<String>> dotted(Set<List<String>> variables) {
            Set<String> alone = new HashSet<>();
            variables.stream().filter(path -> path.size() == 1).forEach(path -> alone.add(path.get(0)));
            return variables.stream()
                    .filter(path -> path.size() > 1 && !METADATA_VARIABLE.equals(path.get(0)) && !alone.contains(path.get(0)))
                    .toList();
        }

        /**
         * The names this expression reads only as the start of a dotted metadata key: {@code a} of {@code a.b} when
         * the metadata has a key {@code a.b} and {@code a} is not a map holding {@code b}. They are hidden from the
         * expression so that JEXL reads the dotted key, rather than failing on {@code a}.
         */
        Set<String> dottedPrefixes(Map<String, Object> metadata) {
            if (paths.isEmpty()) {
                return Set.of();
            }
            Set<String> prefixes = new HashSet<>();
            for (List<String> path : paths) {
                String first = path.get(0);
                Object value = metadata.get(first);
                if (value != null && !(value instanceof Map<?, ?> map && map.containsKey(path.get(1)))
                        && metadata.containsKey(first + "." + path.get(1))) {
                    prefixes.add(first);
                }
            }
            return prefixes;
        }
    }

    private String value(Parsed parsedExpression, MetadataContext context, int written, String where) {
        String source = abbreviated(parsedExpression.written());
        try {
            Object value = parsedExpression.expression().evaluate(context);
            String missing = budgets.get().missing();
            if (missing != null) {
                // read leniently by JEXL (in a condition), refused all the same
                throw new ExpressionException(where + ": cannot evaluate '${" + source + "}': " + missing);
            }
            if (value == null) {
                throw new ExpressionException(where + ": '${" + source + "}' has no value");
            }
            return value instanceof String text ? text : json.text(value, MAX_TEXT - written);
        } catch (JexlException | ExpressionLimitException e) {
            throw new ExpressionException(where + ": cannot evaluate '${" + source + "}': " + cause(e), e);
        } catch (ExpressionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ExpressionException(where + ": cannot evaluate '${" + source + "}': " + cause(e), e);
        } catch (StackOverflowError e) {
            throw new ExpressionException(where + ": cannot evaluate '${" + source + "}': nested too deeply");
        }
    }

    /** The literal strings and parsed expressions of a text, from the cache when it was parsed lately. */
    private List<Object> segments(String text, String where) {
        List<Object> segments;
        synchronized (parsed) {
            segments = parsed.get(text);
        }
        if (segments != null) {
            return segments;
        }
        try {
            segments = ExpressionSource.split(text).stream()
                    .map(segment -> segment instanceof ExpressionSource.Expression expression
                            ? new Parsed(expression.written(), jexl.createExpression(expression.source())) : segment)
                    .toList();
        } catch (JexlException | IllegalArgumentException e) {
            throw new ExpressionException(where + ": cannot parse '" + abbreviated(text) + "': " + cause(e), e);
        } catch (StackOverflowError e) {
            // nesting other than brackets (a long chain of unary operators) can still recurse too deep
            throw new ExpressionException(where + ": cannot parse '" + abbreviated(text) + "': nested too deeply");
        }
        if (text.length() <= CACHED_TEXT_LENGTH) {
            synchronized (parsed) {
                parsed.put(text, segments);
            }
        }
        return segments;
    }

    /** How many texts the parse cache holds. */
    int cachedTexts() {
        synchronized (parsed) {
            return parsed.size();
        }
    }

    private ExpressionBudget budget() {
        ExpressionBudget budget = budgets.get();
        return budget != null ? budget : new ExpressionBudget();
    }

    /** A text for an error message: a hostile expression may be megabytes long. */
    private static String abbreviated(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "… (" + text.length() + " characters)";
    }

    /** A configuration value as text: strings as they are, collections as JSON (the limits are for what expressions build). */
    public String text(Object value) {
        return value instanceof String s ? s : json.text(value, Long.MAX_VALUE);
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
            return "cannot read '" + property.getProperty() + "': only map keys and list indexes can be read (a metadata key with"
                    + " dots in its name is read as ${$env['its.name']})";
        }
        if (root instanceof JexlException.Method method) {
            return "function or method '" + method.getMethod() + "' is not available (allowed: uuid(), random(n), env(name), getEnv(name), getState(scope), setState(scope, map))";
        }
        if (root instanceof JexlException.Cancel) {
            return "was interrupted";
        }
        if (root instanceof JexlArithmetic.NullOperand) {
            return "an operand is null";
        }
        if (root instanceof MissingKeyException || root instanceof ExpressionLimitException || root instanceof SecurityException) {
            return root.getMessage();
        }
        String message = root.getMessage();
        return message == null ? root.toString() : message;
    }

    /** The metadata as expression variables, read-only. */
    private static final class MetadataContext implements JexlContext, JexlContext.NamespaceResolver {
        private final Map<String, Object> metadata;
        private final ExpressionBudget budget;
        /** Names read only as the start of a dotted key by this expression, see {@link Parsed#dottedPrefixes}. */
        private final Set<String> hidden;
        /** The helper functions, bound to the state of the processor being configured. */
        private final ExpressionFunctions functions;

        MetadataContext(Map<String, Object> metadata, ExpressionBudget budget, Set<String> hidden, ExpressionFunctions functions) {
            this.metadata = metadata;
            this.budget = budget;
            this.hidden = hidden;
            this.functions = functions;
        }

        @Override
        public Object resolveNamespace(String name) {
            return name == null ? functions : null;
        }

        @Override
        public Object get(String name) {
            if (METADATA_VARIABLE.equals(name)) {
                return metadata;
            }
            if (hidden.contains(name)) {
                return null;
            }
            Object value = metadata.get(name);
            if (value == null && !prefixOfAKey(name)) {
                budget.missing("no metadata key '" + name + "'");
            }
            return value;
        }

        /** Whether a name is the start of a dotted key ({@code WriteFile} of {@code WriteFile.OutputPath}), which JEXL reads next. */
        private boolean prefixOfAKey(String name) {
            for (String key : metadata.keySet()) {
                if (key.length() > name.length() && key.charAt(name.length()) == '.' && key.startsWith(name)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void set(String name, Object value) {
            throw new UnsupportedOperationException("expressions cannot assign '" + name + "'");
        }

        @Override
        public boolean has(String name) {
            return METADATA_VARIABLE.equals(name) || metadata.containsKey(name) && !hidden.contains(name);
        }
    }
}
