package streamline.config.support;

/**
 * A configuration value refused: names the PID, the key, the value as given and the rule it breaks,
 * so that the line in the log says what to correct and where.
 */
public final class ConfigRefused extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String pid;
    private final String key;
    private final String value;
    private final String rule;

    public ConfigRefused(String pid, String key, Object value, String rule) {
        this(pid, key, value, rule, null);
    }

    public ConfigRefused(String pid, String key, Object value, String rule, Throwable cause) {
        super("configuration " + pid + ": " + key + "=" + shown(value) + " refused: " + rule, cause);
        this.pid = pid;
        this.key = key;
        this.value = shown(value);
        this.rule = rule;
    }

    private static String shown(Object value) {
        if (value instanceof Object[] array) {
            return java.util.Arrays.toString(array);
        }
        return String.valueOf(value);
    }

    public String pid() {
        return pid;
    }

    public String key() {
        return key;
    }

    public String value() {
        return value;
    }

    public String rule() {
        return rule;
    }
}
