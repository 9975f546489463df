package streamline.runtime;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;

/**
 * The helper functions an expression may call: the only methods the expression sandbox allows.
 * Public because the expression library reaches them by reflection.
 */
public final class ExpressionFunctions {

    private final SecureRandom random = new SecureRandom();
    /** The environment variables expressions may read: names, or prefixes ending in {@code *}. */
    private final List<String> envAllowed;

    ExpressionFunctions(List<String> envAllowed) {
        this.envAllowed = List.copyOf(envAllowed);
    }

    /** A random UUID as text. */
    public String uuid() {
        return UUID.randomUUID().toString();
    }

    /**
     * A random whole number from 0 (inclusive) to {@code bound} (exclusive); the bound must be a whole number
     * from 1 to {@link Long#MAX_VALUE}, never cut or rounded into one.
     */
    public long random(Number bound) {
        BigDecimal exact;
        try {
            exact = bound instanceof BigDecimal decimal ? decimal : new BigDecimal(bound.toString());
        } catch (NumberFormatException e) {
            exact = null; // NaN, infinities
        }
        if (exact == null || exact.signum() <= 0 || exact.stripTrailingZeros().scale() > 0
                || exact.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("random(n) needs a whole number n from 1 to " + Long.MAX_VALUE + ", was " + bound);
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

    /** The Go project's name for {@link #env}. */
    public String getEnv(String name) {
        return env(name);
    }
}
