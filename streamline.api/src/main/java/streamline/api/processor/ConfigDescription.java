package streamline.api.processor;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;

/**
 * The configuration a processor type declares with {@link ProcessorConfig}, read from its implementation class: its
 * keys, and the checks and conversions of values against them. Immutable and thread-safe.
 *
 * <p>What is checked before a flow is saved: a required key is given (by its name or its alias), no key is given by
 * both names, and each value has its declared type. A text value holding a {@code ${…}} expression for a boolean or
 * integer key can only be checked once evaluated, when it is read. Keys starting with {@code streamline.} are the
 * engine's settings and never unknown.
 *
 * @since 1.4
 */
public final class ConfigDescription {

    /** The prefix of configuration keys that are the engine's settings, not the processor's. */
    public static final String ENGINE_PREFIX = "streamline.";

    /**
     * One declared key.
     *
     * @param name the key's name
     * @param alias another name read as it (the Go project's), or empty
     * @param type what its value must be
     * @param defaultValue the value when none is given, as a flow file writes it, or empty
     * @param required whether a flow must give it
     * @param description what it does
     */
    public record Key(String name, Optional<String> alias, ConfigType type, Optional<String> defaultValue, boolean required,
            String description) {

        /** The key's names: the name, then the alias if any. */
        public List<String> names() {
            return alias.map(a -> List.of(name, a)).orElse(List.of(name));
        }
    }

    private final String description;
    private final List<Key> keys;
    private final Map<String, Key> byName = new LinkedHashMap<>();
    private final Pattern otherKeys;

    private ConfigDescription(String description, List<Key> keys, Pattern otherKeys) {
        this.description = description;
        this.keys = List.copyOf(keys);
        this.otherKeys = otherKeys;
        for (Key key : keys) {
            for (String name : key.names()) {
                if (byName.putIfAbsent(name, key) != null) {
                    throw new IllegalArgumentException("configuration key '" + name + "' is declared twice");
                }
            }
        }
    }

    /**
     * The configuration declared on {@code implementation} (or a superclass) with {@link ProcessorConfig}; empty if
     * it declares none.
     *
     * @throws IllegalArgumentException if the declaration is wrong (a name declared twice, a default not of its
     *         type, a required key with a default, a bad {@link ProcessorConfig#otherKeys()}), naming the class
     */
    public static Optional<ConfigDescription> of(Class<?> implementation) {
        ProcessorConfig declared = implementation.getAnnotation(ProcessorConfig.class);
        for (Class<?> type = implementation.getSuperclass(); declared == null && type != null; type = type.getSuperclass()) {
            declared = type.getAnnotation(ProcessorConfig.class);
        }
        if (declared == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(of(declared));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the @ProcessorConfig of " + implementation.getName() + ": " + e.getMessage(), e);
        }
    }

    /** The configuration an annotation declares; see {@link #of(Class)}. */
    public static ConfigDescription of(ProcessorConfig declared) {
        List<Key> keys = new ArrayList<>();
        for (ConfigKey key : declared.keys()) {
            if (key.name().isBlank()) {
                throw new IllegalArgumentException("a configuration key has no name");
            }
            Optional<String> defaultValue = key.defaultValue().isEmpty() ? Optional.empty() : Optional.of(key.defaultValue());
            if (key.required() && defaultValue.isPresent()) {
                throw new IllegalArgumentException("configuration key '" + key.name() + "' is required and has a default");
            }
            Key made = new Key(key.name(), key.alias().isBlank() ? Optional.empty() : Optional.of(key.alias()), key.type(),
                    defaultValue, key.required(), key.description());
            defaultValue.ifPresent(text -> {
                String problem = problem(made.type(), text);
                if (problem != null) {
                    throw new IllegalArgumentException("the default of '" + key.name() + "' " + problem);
                }
            });
            keys.add(made);
        }
        Pattern others = null;
        if (!declared.otherKeys().isEmpty()) {
            try {
                others = Pattern.compile(declared.otherKeys());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("otherKeys is not a regular expression: " + e.getDescription(), e);
            }
        }
        return new ConfigDescription(declared.description(), keys, others);
    }

    /** What the processor does. */
    public String description() {
        return description;
    }

    /** The declared keys, in their declared order. */
    public List<Key> keys() {
        return keys;
    }

    /** The key of this name or alias. */
    public Optional<Key> key(String nameOrAlias) {
        return Optional.ofNullable(byName.get(nameOrAlias));
    }

    /** The expression undeclared keys may match ({@link ProcessorConfig#otherKeys()}), or empty. */
    public Optional<String> otherKeys() {
        return otherKeys == null ? Optional.empty() : Optional.of(otherKeys.pattern());
    }

    /** The name under which {@code config} gives {@code key} (its name or its alias), or empty if it gives neither. */
    public Optional<String> givenAs(Map<String, ?> config, Key key) {
        for (String name : key.names()) {
            if (config.get(name) != null) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    /**
     * The mistakes of a configuration: required keys missing, keys given by both names, values not of their type.
     * Each says the key and what is wrong; empty if there are none. A {@code null} value counts as absent.
     */
    public List<String> errors(Map<String, ?> config) {
        List<String> errors = new ArrayList<>();
        for (Key key : keys) {
            List<String> given = key.names().stream().filter(name -> config.get(name) != null).toList();
            if (given.isEmpty()) {
                if (key.required()) {
                    errors.add("key '" + key.name() + "'" + key.alias().map(a -> " (or its alias '" + a + "')").orElse("")
                            + " is required");
                }
                continue;
            }
            if (given.size() > 1) {
                errors.add("key '" + key.name() + "' is also given by its alias '" + key.alias().orElseThrow() + "': keep one");
                continue;
            }
            String problem = problem(key.type(), config.get(given.get(0)));
            if (problem != null) {
                errors.add("key '" + given.get(0) + "' " + problem);
            }
        }
        return errors;
    }

    /** The keys of {@code config} that are neither declared, nor matched by {@link #otherKeys()}, nor the engine's. */
    public List<String> unknownKeys(Map<String, ?> config) {
        List<String> unknown = new ArrayList<>();
        for (String name : config.keySet()) {
            if (!byName.containsKey(name) && !name.startsWith(ENGINE_PREFIX)
                    && (otherKeys == null || !otherKeys.matcher(name).matches())) {
                unknown.add(name);
            }
        }
        Collections.sort(unknown);
        return unknown;
    }

    /** What a type declares: by its type name and whether a trigger is asked for (a type may be both). */
    @FunctionalInterface
    public interface Lookup {
        /**
         * @return empty if no provider of the type is there now, or it declares nothing; either way not checked
         */
        Optional<ConfigDescription> find(String type, boolean trigger);
    }

    /**
     * Checks the configuration of every processor and trigger of {@code flow} against what its type declares.
     *
     * @return the unknown keys, each as {@code processor 'name' (Type): key 'k' is unknown}, in the flow's order
     * @throws InvalidFlowException listing every mistake, each naming the processor or trigger and the key
     */
    public static List<String> check(FlowDefinition flow, Lookup lookup) throws InvalidFlowException {
        List<String> errors = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (TriggerDefinition trigger : flow.triggers()) {
            check("trigger", trigger.name(), trigger.type(), trigger.config(), lookup.find(trigger.type(), true), errors, unknown);
        }
        for (ProcessorDefinition processor : flow.processors()) {
            check("processor", processor.name(), processor.type(), processor.config(), lookup.find(processor.type(), false),
                    errors, unknown);
        }
        if (!errors.isEmpty()) {
            throw new InvalidFlowException(flow.name(), errors);
        }
        return unknown;
    }

    private static void check(String kind, String name, String type, Map<String, Object> config,
            Optional<ConfigDescription> description, List<String> errors, List<String> unknown) {
        if (description.isEmpty()) {
            return;
        }
        String where = kind + " '" + name + "' (" + type + "): ";
        description.get().errors(config).forEach(error -> errors.add(where + error));
        description.get().unknownKeys(config).forEach(key -> unknown.add(where + "key '" + key + "' is unknown"));
    }

    /** Why {@code value} is not of {@code type} ("must be …, was …"), or null if it is or cannot be told yet. */
    static String problem(ConfigType type, Object value) {
        if (value instanceof String text && text.contains("${") && type != ConfigType.LIST && type != ConfigType.MAP) {
            return null; // an expression: checked once evaluated
        }
        try {
            Class<?> target = switch (type) {
                case TEXT -> String.class;
                case BOOLEAN -> Boolean.class;
                case INTEGER -> Long.class;
                case LIST -> List.class;
                case MAP -> Map.class;
            };
            convert(value, target, null);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * Converts a configuration value (after its expressions are evaluated) to {@code type}: {@link String},
     * {@link Boolean}, {@link Long}, {@link Integer}, {@link List} (of strings) or {@link Map} (of strings). Texts
     * are trimmed for booleans and numbers.
     *
     * @param key the key, for the message; null for a message without it
     * @throws IllegalArgumentException if the value cannot be converted, saying what it must be and what it was
     */
    public static <T> T convert(Object value, Class<T> type, String key) {
        Object converted = convertOrNull(value, type);
        if (converted == null) {
            throw new IllegalArgumentException((key == null ? "" : "key '" + key + "' ") + "must be " + expected(type) + ", was "
                    + shown(value));
        }
        return type.cast(converted);
    }

    private static Object convertOrNull(Object value, Class<?> type) {
        if (value == null) {
            return null;
        }
        if (type == String.class) {
            return isScalar(value) ? value.toString() : null;
        }
        if (type == Boolean.class || type == boolean.class) {
            if (value instanceof Boolean flag) {
                return flag;
            }
            String text = value instanceof String s ? s.trim() : "";
            return text.equalsIgnoreCase("true") ? Boolean.TRUE : text.equalsIgnoreCase("false") ? Boolean.FALSE : null;
        }
        if (type == Long.class || type == long.class || type == Integer.class || type == int.class) {
            Long number = whole(value);
            boolean asInt = type == Integer.class || type == int.class;
            if (number == null || asInt && (number < Integer.MIN_VALUE || number > Integer.MAX_VALUE)) {
                return null;
            }
            return asInt ? (Object) number.intValue() : number;
        }
        if (type == List.class) {
            if (!(value instanceof List<?> list) || !list.stream().allMatch(ConfigDescription::isScalar)) {
                return null;
            }
            return list.stream().map(Object::toString).toList();
        }
        if (type == Map.class) {
            if (!(value instanceof Map<?, ?> map) || !map.values().stream().allMatch(v -> v == null || isScalar(v))) {
                return null;
            }
            Map<String, String> texts = new LinkedHashMap<>();
            // a null value is an empty text, as the Go project sends a header without a value
            map.forEach((name, element) -> texts.put(String.valueOf(name), element == null ? "" : element.toString()));
            return Collections.unmodifiableMap(texts);
        }
        throw new IllegalArgumentException("cannot convert a configuration value to " + type.getName());
    }

    private static Long whole(Object value) {
        try {
            if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
                return ((Number) value).longValue();
            }
            if (value instanceof BigInteger big) {
                return big.longValueExact();
            }
            if (value instanceof BigDecimal decimal) {
                return decimal.longValueExact();
            }
            if (value instanceof String text) {
                return Long.parseLong(text.trim());
            }
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
        return null;
    }

    private static boolean isScalar(Object value) {
        return value instanceof String || value instanceof Number || value instanceof Boolean;
    }

    private static String expected(Class<?> type) {
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Integer.class || type == int.class) {
            return "a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
        }
        if (type == List.class) {
            return "a list of texts, such as [\"-v\", \"${name}\"]";
        }
        if (type == Map.class) {
            return "an object of texts, such as {\"name\": \"value\"}";
        }
        return "a text";
    }

    private static String shown(Object value) {
        String text = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
