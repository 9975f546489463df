package streamline.api.processor;

import java.lang.System.Logger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

import streamline.api.state.StateManager;

/**
 * What the engine gives a processor about its place in a flow. Implemented by the engine.
 */
@ProviderType
public interface ProcessorContext {

    UUID flowId();

    String flowName();

    /** The id of the processor (or trigger) definition this instance runs. */
    UUID processorId();

    String processorName();

    /** The plug-in type, as in {@code streamline.processor.type}. */
    String processorType();

    /** The configuration as the definition gives it, expressions not evaluated. */
    Map<String, Object> rawConfiguration();

    /**
     * A configuration value as text, with its {@code ${…}} expressions evaluated. Outside a step
     * (in {@code init}, or in a trigger) there is no session metadata, so only the helper functions
     * are available.
     *
     * @throws IllegalArgumentException if the configuration has no such key
     * @throws ExpressionException if an expression cannot be evaluated
     */
    String config(String key);

    /** Like {@link #config(String)}, but empty when the key is missing. */
    Optional<String> optionalConfig(String key);

    /**
     * Evaluates the {@code ${…}} expressions of one part of the configuration value of {@code key}, as
     * {@link #config(String)} evaluates a whole value: for values that are lists or maps whose elements, keys or
     * values are expressions each (a header name and its value, one argument), which {@link #config(String)} can
     * give only as one text. Errors name {@code key}.
     *
     * @throws ExpressionException if an expression cannot be evaluated
     * @since 1.3
     */
    String evaluate(String key, String text);

    /**
     * A configuration value that is a list of strings (in a flow file, {@code ["-v", "${name}"]}), each element with
     * its {@code ${…}} expressions evaluated as by {@link #config(String)}; empty when the key is missing.
     *
     * @throws IllegalArgumentException if the value is not a list of strings (naming the key)
     * @throws ExpressionException if an expression cannot be evaluated
     * @since 1.3
     */
    default List<String> configList(String key) {
        Object value = rawConfiguration().get(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw new IllegalArgumentException("configuration key '" + key + "' must be a list of strings, was " + value);
        }
        return list.stream().map(element -> evaluate(key, (String) element)).toList();
    }

    /**
     * The configuration the processor's class declares with {@link ProcessorConfig}; empty if it declares none. The
     * engine checked the flow's configuration against it before the processor got this context.
     *
     * @since 1.4
     */
    default Optional<ConfigDescription> configDescription() {
        return Optional.empty();
    }

    /**
     * A configuration value converted to {@code type} ({@link String}, {@link Boolean}, {@link Long}, {@link Integer},
     * {@link List} of strings, {@link Map} of strings), its expressions evaluated (each element, name and value of a
     * list or map); given by the key's name or its declared alias, else the declared default.
     *
     * @throws IllegalArgumentException if the key is missing and has no default, or its value cannot be converted
     *         (naming the key)
     * @throws ExpressionException if an expression cannot be evaluated
     * @since 1.4
     */
    default <T> T config(String key, Class<T> type) {
        return optionalConfig(key, type).orElseThrow(() -> new IllegalArgumentException("configuration key '" + key
                + "' is missing"));
    }

    /**
     * Like {@link #config(String, Class)}, but empty when the key is missing and has no default.
     *
     * @since 1.4
     */
    default <T> Optional<T> optionalConfig(String key, Class<T> type) {
        Map<String, Object> raw = rawConfiguration();
        Optional<ConfigDescription.Key> declared = configDescription().flatMap(description -> description.key(key));
        String given = declared.flatMap(k -> configDescription().orElseThrow().givenAs(raw, k)).orElse(key);
        Object value = raw.get(given);
        if (value == null) {
            Optional<String> fallback = declared.flatMap(ConfigDescription.Key::defaultValue);
            return fallback.map(text -> ConfigDescription.convert(text, type, key));
        }
        Object evaluated;
        if (value instanceof String text) {
            evaluated = evaluate(given, text);
        } else if (value instanceof List<?> list) {
            evaluated = list.stream().map(element -> element instanceof String text ? evaluate(given, text) : element).toList();
        } else if (value instanceof Map<?, ?> map) {
            Map<String, Object> texts = new java.util.LinkedHashMap<>();
            map.forEach((name, element) -> texts.put(evaluate(given, String.valueOf(name)),
                    element instanceof String text ? evaluate(given, text) : element));
            evaluated = texts;
        } else {
            evaluated = value;
        }
        return Optional.of(ConfigDescription.convert(evaluated, type, given));
    }

    /**
     * A logger whose lines carry the flow, the processor and (in a step) the session, at the
     * level the processor's definition gives.
     */
    Logger logger();

    /** This processor's own persistent state. */
    StateManager state();
}
