package streamline.runtime.expressions;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import streamline.api.state.StateException;
import streamline.api.state.StateManager;
import streamline.api.state.StateScope;

/**
 * The helper functions an expression may call: the only methods the expression sandbox allows.
 * Public because the expression library reaches them by reflection.
 */
public final class ExpressionFunctions {

    private final SecureRandom random;
    /** The environment variables expressions may read: names, or prefixes ending in {@code *}. */
    private final List<String> envAllowed;
    /** The state of the processor whose configuration is evaluated; null where there is none. */
    private final StateManager state;
    /** Writes a value set by {@link #setState} as text (collections as JSON). */
    private final Function<Object, String> text;

    ExpressionFunctions(List<String> envAllowed) {
        this(new SecureRandom(), List.copyOf(envAllowed), null, String::valueOf);
    }

    private ExpressionFunctions(SecureRandom random, List<String> envAllowed, StateManager state, Function<Object, String> text) {
        this.random = random;
        this.envAllowed = envAllowed;
        this.state = state;
        this.text = text;
    }

    /** These helpers for one evaluation, with the state of the processor whose configuration it is. */
    ExpressionFunctions withState(StateManager processorState, Function<Object, String> valueText) {
        return new ExpressionFunctions(random, envAllowed, processorState, valueText);
    }

    /** A random UUID as text. */
    public String uuid() {
        return UUID.randomUUID().toString();
    }

    /**
     * A random whole number from 0 (inclusive) to {@code bound} (exclusive); the bound must be a whole number
     * from 1 to {@link Long#MAX_VALUE}, never cut or rounded into one. A text bound (metadata read from a file or a
     * header is text) counts by the number it spells; anything else is an error naming what was given.
     */
    public long random(Object bound) {
        BigDecimal exact;
        try {
            exact = bound instanceof BigDecimal decimal ? decimal
                    : bound instanceof Number || bound instanceof CharSequence ? new BigDecimal(bound.toString().trim()) : null;
        } catch (NumberFormatException e) {
            exact = null; // NaN, infinities, text that is no number
        }
        if (exact == null || exact.signum() <= 0 || exact.stripTrailingZeros().scale() > 0
                || exact.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            String given = bound instanceof CharSequence ? "'" + bound + "'" : String.valueOf(bound);
            throw new IllegalArgumentException("random(n) needs a whole number n from 1 to " + Long.MAX_VALUE + ", was " + given);
        }
        return random.nextLong(exact.longValueExact());
    }

    /**
     * An environment variable the operator allows expressions to read, or the empty string when it is not
     * set. A value read lands in metadata, the log and failed-session files: secrets stay out by default.
     */
    public String env(String name) {
        if (!allowed(name)) {
            throw new SecurityException("env(" + name + ") refused: not among the environment variables expressions may read "
                    + envAllowed + " (streamline.runtime expressions.env: names, or prefixes ending in *)");
        }
        String value = System.getenv(name);
        return value == null ? "" : value;
    }

    private boolean allowed(String name) {
        for (String entry : envAllowed) {
            if (entry.endsWith("*") ? name.startsWith(entry.substring(0, entry.length() - 1)) : entry.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * This processor's state in a scope ({@code "local"} or {@code "cluster"}), as the Go project's {@code getState}:
     * a map of text values (what {@link #setState} stored, numbers and booleans as their text).
     */
    public Map<String, String> getState(String scope) throws StateException {
        return processorState("getState").get(scope(scope, "getState"));
    }

    /**
     * Replaces this processor's state in a scope by {@code values}, durably, as the Go project's {@code setState};
     * evaluates to the empty string, so the key holding the call gets {@code ""}. Values are stored as text: strings
     * as they are, numbers and booleans as written, lists and maps as JSON.
     */
    public String setState(String scope, Object values) throws StateException {
        StateScope where = scope(scope, "setState");
        if (!(values instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("setState(scope, map) needs a map as its second argument, such as {\"count\": 1}, was "
                    + (values == null ? "null" : values.getClass().getSimpleName()));
        }
        Map<String, String> stored = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (entry.getValue() == null) {
                throw new IllegalArgumentException("setState: the value of '" + entry.getKey() + "' is null");
            }
            stored.put(String.valueOf(entry.getKey()), text.apply(entry.getValue()));
        }
        processorState("setState").set(where, stored);
        return "";
    }

    private StateManager processorState(String function) {
        if (state == null) {
            throw new IllegalArgumentException(function + " is not available here: no processor's state");
        }
        return state;
    }

    private static StateScope scope(String scope, String function) {
        String name = scope == null ? "" : scope.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "local" -> StateScope.LOCAL;
            case "cluster" -> StateScope.CLUSTER;
            default -> throw new IllegalArgumentException(function + " needs the scope \"local\" or \"cluster\", was '" + scope + "'");
        };
    }

    /** The Go project's name for {@link #env}. */
    public String getEnv(String name) {
        return env(name);
    }
}
