package streamline.runtime;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * The helper functions an expression may call: the only methods the expression sandbox allows.
 * Public because the expression library reaches them by reflection.
 */
public final class ExpressionFunctions {

    private final SecureRandom random = new SecureRandom();
    private final boolean envAllowed;

    ExpressionFunctions(boolean envAllowed) {
        this.envAllowed = envAllowed;
    }

    /** A random UUID as text. */
    public String uuid() {
        return UUID.randomUUID().toString();
    }

    /** A random whole number from 0 (inclusive) to {@code bound} (exclusive). */
    public long random(Number bound) {
        long limit = bound.longValue();
        if (limit <= 0) {
            throw new IllegalArgumentException("random(n) needs n > 0, was " + bound);
        }
        return random.nextLong(limit);
    }

    /** An environment variable, or the empty string when it is not set. */
    public String env(String name) {
        if (!envAllowed) {
            throw new SecurityException("env(" + name + ") refused: environment access in expressions is turned off "
                    + "(streamline.runtime expressions.env=false)");
        }
        String value = System.getenv(name);
        return value == null ? "" : value;
    }

    /** The Go project's name for {@link #env}. */
    public String getEnv(String name) {
        return env(name);
    }
}
