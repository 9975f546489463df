package streamline.config.support;

import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;

/**
 * Reads the values of one configuration through its annotation type (which holds the defaults and
 * the metatype), checking each against its rule. A value SCR could not convert (a {@code .cfg} file's
 * {@code workers=abc}) throws when its method is called; either way the refusal names the PID, the
 * key, the value as the operator wrote it (from the component properties) and the rule.
 */
public final class ConfigReader {

    private final String pid;
    private final Map<String, ?> properties;

    /**
     * @param pid        the configuration's PID, for the messages
     * @param properties the component properties, where the values as written are found
     */
    public ConfigReader(String pid, Map<String, ?> properties) {
        this.pid = pid;
        this.properties = properties == null ? Map.of() : properties;
    }

    public String pid() {
        return pid;
    }

    /** The value as configured (for a message), or {@code "(default)"}. */
    public Object raw(String key) {
        Object value = properties.get(key);
        return value == null ? "(default)" : value;
    }

    public int intIn(String key, IntSupplier accessor, int min, int max) {
        String rule = "an integer from " + min + " to " + max + " is required";
        int value;
        try {
            value = accessor.getAsInt();
        } catch (RuntimeException e) {
            throw new ConfigRefused(pid, key, raw(key), rule, e);
        }
        if (value < min || value > max) {
            throw new ConfigRefused(pid, key, raw(key), rule);
        }
        return value;
    }

    public long longIn(String key, LongSupplier accessor, long min, long max) {
        String rule = "an integer from " + min + " to " + max + " is required";
        long value;
        try {
            value = accessor.getAsLong();
        } catch (RuntimeException e) {
            throw new ConfigRefused(pid, key, raw(key), rule, e);
        }
        if (value < min || value > max) {
            throw new ConfigRefused(pid, key, raw(key), rule);
        }
        return value;
    }

    /** A text value; {@code rule} says what is expected in case the value cannot be read at all. */
    public String text(String key, Supplier<String> accessor, String rule) {
        try {
            return accessor.get();
        } catch (RuntimeException e) {
            throw new ConfigRefused(pid, key, raw(key), rule, e);
        }
    }

    /** One of the given words, in any case; returned in lower case. */
    public String oneOf(String key, Supplier<String> accessor, String... allowed) {
        String rule = "one of " + String.join(", ", allowed) + " is required";
        String value = text(key, accessor, rule).trim().toLowerCase(java.util.Locale.ROOT);
        for (String word : allowed) {
            if (word.equals(value)) {
                return value;
            }
        }
        throw new ConfigRefused(pid, key, raw(key), rule);
    }

    /** A list value, read by {@link ConfigList}. */
    public List<String> list(String key, Supplier<String[]> accessor) {
        try {
            return ConfigList.split(accessor.get());
        } catch (RuntimeException e) {
            throw new ConfigRefused(pid, key, raw(key), "a comma-separated list of names is required", e);
        }
    }

    /** An LDAP filter (a reference's target); a blank one is refused. */
    public String filter(String key, Supplier<String> accessor) {
        String rule = "an LDAP filter such as (streamline.wal.type=file) is required";
        String value = text(key, accessor, rule);
        checkFilter(pid, key, value);
        return value.trim();
    }

    /** Checks an LDAP filter's syntax. */
    public static void checkFilter(String pid, String key, String value) {
        String rule = "an LDAP filter such as (streamline.wal.type=file) is required";
        if (value == null || value.isBlank()) {
            throw new ConfigRefused(pid, key, value, rule);
        }
        try {
            FrameworkUtil.createFilter(value);
        } catch (InvalidSyntaxException e) {
            throw new ConfigRefused(pid, key, value, rule + " (" + e.getMessage() + ")", e);
        }
    }
}
