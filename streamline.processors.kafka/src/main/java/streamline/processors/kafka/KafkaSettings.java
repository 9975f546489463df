package streamline.processors.kafka;

import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;

import streamline.api.processor.ProcessorContext;

/**
 * Reads the configuration the Kafka processors share: the keys a processor knows, and every other key passed
 * to the Kafka client as a client property ({@code linger.ms}, {@code security.protocol}, …).
 */
final class KafkaSettings {

    /**
     * The names of Kafka client properties ({@code linger.ms}, {@code security.protocol}, {@code retries}): lower
     * case, dotted, never an underscore, so a misspelt Go key ({@code consumer_grup}) is warned about as unknown.
     */
    static final String CLIENT_PROPERTY = "[a-z0-9]+([.-][a-z0-9]+)*";

    /** Timeouts short enough that a broker that is not there fails a step in seconds, not minutes; a flow may set others. */
    private static final Properties DEFAULTS = new Properties();

    static {
        DEFAULTS.setProperty("max.block.ms", "10000");
        DEFAULTS.setProperty("request.timeout.ms", "15000");
        DEFAULTS.setProperty("delivery.timeout.ms", "30000");
        DEFAULTS.setProperty("default.api.timeout.ms", "15000");
    }

    private KafkaSettings() {
    }

    /** A required key, trimmed; missing or blank is an error naming the processor and the key. */
    static String required(ProcessorContext context, String key) {
        String value = context.optionalConfig(key).map(String::trim).orElse("");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(where(context) + ": '" + key + "' is required");
        }
        return value;
    }

    /** Checks that a key whose value is evaluated per session (an expression over its metadata) is given. */
    static void present(ProcessorContext context, String key) {
        Object value = context.rawConfiguration().get(key);
        if (value == null || value.toString().isBlank()) {
            throw new IllegalArgumentException(where(context) + ": '" + key + "' is required");
        }
    }

    /** A boolean key: {@code true} or {@code false} (any case), the default when missing; anything else is an error. */
    static boolean bool(ProcessorContext context, String key, boolean defaultValue) {
        String value = context.optionalConfig(key).map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("");
        return switch (value) {
            case "" -> defaultValue;
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(where(context) + ": '" + key + "' must be true or false, was '" + value + "'");
        };
    }

    /**
     * The client properties: the defaults above, then every configuration key that is neither one of
     * {@code known} nor an engine setting ({@code streamline.…}), its expressions evaluated.
     */
    static Properties clientProperties(ProcessorContext context, Set<String> known) {
        Properties properties = new Properties();
        properties.putAll(DEFAULTS);
        for (String key : context.rawConfiguration().keySet()) {
            if (!known.contains(key) && !key.startsWith("streamline.")) {
                properties.setProperty(key, context.config(key));
            }
        }
        return properties;
    }

    /** Names a processor in errors: its type and name, and its flow. */
    static String where(ProcessorContext context) {
        return context.processorType() + " '" + context.processorName() + "' of flow '" + context.flowName() + "'";
    }

    /**
     * Builds a client with this bundle's class loader as the context class loader: the client loads the classes
     * its properties name through it, and in a framework the caller's may not see the client's own classes.
     */
    static <T> T withOwnClassLoader(Supplier<T> builder) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(KafkaSettings.class.getClassLoader());
        try {
            return builder.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
