package streamline.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The engine's settings in plain Java form, checked once: the DS component builds them from
 * {@link RuntimeConfig}, tests and benchmarks build them directly.
 */
public record EngineOptions(Path workDirectory, int workers, Duration pollInterval, int maxSessionsPerFlow,
        Duration stepTimeout, Duration triggerTimeout, Duration triggerBackoffMax, Duration eventIdle,
        RetryBackoff.Strategy retryBackoff, Duration retryBackoffCap, boolean envInExpressions, Duration stopGrace) {

    public EngineOptions {
        Objects.requireNonNull(workDirectory, "workDirectory");
        require(workers >= 1, "workers must be >= 1, was " + workers);
        require(pollInterval.toMillis() >= 10, "poll interval must be >= 10 ms, was " + pollInterval.toMillis());
        require(maxSessionsPerFlow >= 1, "max sessions per flow must be >= 1, was " + maxSessionsPerFlow);
        require(!stepTimeout.isNegative() && !stepTimeout.isZero(), "step timeout must be > 0, was " + stepTimeout);
        require(!triggerTimeout.isNegative() && !triggerTimeout.isZero(), "trigger timeout must be > 0, was " + triggerTimeout);
        require(!triggerBackoffMax.isNegative() && !triggerBackoffMax.isZero(), "trigger backoff cap must be > 0");
        require(!eventIdle.isNegative(), "event idle pause must be >= 0, was " + eventIdle);
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        require(!retryBackoffCap.isNegative(), "retry backoff cap must be >= 0");
        require(!stopGrace.isNegative(), "stop grace must be >= 0, was " + stopGrace);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Working defaults under a work directory (the metatype defaults). */
    public static EngineOptions defaults(Path workDirectory) {
        return new EngineOptions(workDirectory, 8, Duration.ofSeconds(1), 1000, Duration.ofMinutes(5),
                Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMillis(200), RetryBackoff.Strategy.FIXED,
                Duration.ofMinutes(5), true, Duration.ofSeconds(10));
    }

    /** These options with another worker count. */
    public EngineOptions withWorkers(int count) {
        return new EngineOptions(workDirectory, count, pollInterval, maxSessionsPerFlow, stepTimeout, triggerTimeout,
                triggerBackoffMax, eventIdle, retryBackoff, retryBackoffCap, envInExpressions, stopGrace);
    }

    /** These options with another poll interval. */
    public EngineOptions withPollInterval(Duration interval) {
        return new EngineOptions(workDirectory, workers, interval, maxSessionsPerFlow, stepTimeout, triggerTimeout,
                triggerBackoffMax, eventIdle, retryBackoff, retryBackoffCap, envInExpressions, stopGrace);
    }

    /** These options with another step timeout. */
    public EngineOptions withStepTimeout(Duration timeout) {
        return new EngineOptions(workDirectory, workers, pollInterval, maxSessionsPerFlow, timeout, triggerTimeout,
                triggerBackoffMax, eventIdle, retryBackoff, retryBackoffCap, envInExpressions, stopGrace);
    }

    /** These options with another back-pressure limit. */
    public EngineOptions withMaxSessionsPerFlow(int max) {
        return new EngineOptions(workDirectory, workers, pollInterval, max, stepTimeout, triggerTimeout,
                triggerBackoffMax, eventIdle, retryBackoff, retryBackoffCap, envInExpressions, stopGrace);
    }

    /** These options with another grace period for running steps when the engine stops. */
    public EngineOptions withStopGrace(Duration grace) {
        return new EngineOptions(workDirectory, workers, pollInterval, maxSessionsPerFlow, stepTimeout, triggerTimeout,
                triggerBackoffMax, eventIdle, retryBackoff, retryBackoffCap, envInExpressions, grace);
    }

    /** These options with expressions' environment access on or off. */
    public EngineOptions withEnvInExpressions(boolean allowed) {
        return new EngineOptions(workDirectory, workers, pollInterval, maxSessionsPerFlow, stepTimeout, triggerTimeout,
                triggerBackoffMax, eventIdle, retryBackoff, retryBackoffCap, allowed, stopGrace);
    }

    /** The options a configuration gives; a relative work directory is resolved against {@code home} when given. */
    static EngineOptions from(RuntimeConfig config, String home) {
        Path directory = Path.of(config.work_directory());
        if (!directory.isAbsolute() && home != null && !home.isBlank()) {
            directory = Path.of(home).resolve(directory);
        }
        try {
            return new EngineOptions(directory, config.workers(), Duration.ofMillis(config.poll_interval_ms()),
                    config.max_sessions_per_flow(), Duration.ofSeconds(config.step_timeout_seconds()),
                    Duration.ofSeconds(config.trigger_timeout_seconds()), Duration.ofSeconds(config.trigger_backoff_max_seconds()),
                    Duration.ofMillis(config.event_idle_ms()), RetryBackoff.Strategy.parse(config.retry_backoff(), "retry.backoff"),
                    Duration.ofSeconds(config.retry_backoff_cap_seconds()), config.expressions_env(),
                    Duration.ofSeconds(config.stop_grace_seconds()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid configuration of streamline.runtime: " + e.getMessage(), e);
        }
    }

    static String lower(String text) {
        return text.trim().toLowerCase(Locale.ROOT);
    }
}
