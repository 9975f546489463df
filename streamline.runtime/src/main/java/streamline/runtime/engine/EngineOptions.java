package streamline.runtime.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The engine's settings in plain Java form, checked once: the DS component builds them from its
 * configuration ({@code streamline.runtime.osgi.ConfiguredOptions}), tests and benchmarks build them directly.
 */
public record EngineOptions(Path workDirectory, int workers, Duration pollInterval, int maxSessionsPerFlow,
        Duration stepTimeout, Duration triggerTimeout, Duration triggerBackoffMax, Duration eventIdle,
        RetryBackoff.Strategy retryBackoff, Duration retryBackoffCap, List<String> envInExpressions, Duration stopGrace,
        Duration waitBackoffMax) {

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
        require(!waitBackoffMax.isNegative() && !waitBackoffMax.isZero(), "wait backoff ceiling must be > 0, was " + waitBackoffMax);
        envInExpressions = List.copyOf(envInExpressions);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Working defaults under a work directory (the metatype defaults). */
    public static EngineOptions defaults(Path workDirectory) {
        return builder(workDirectory).build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder(Path workDirectory) {
        return new Builder(workDirectory);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(workDirectory).workers(workers).pollInterval(pollInterval).maxSessionsPerFlow(maxSessionsPerFlow)
                .stepTimeout(stepTimeout).triggerTimeout(triggerTimeout).triggerBackoffMax(triggerBackoffMax)
                .eventIdle(eventIdle).retryBackoff(retryBackoff).retryBackoffCap(retryBackoffCap)
                .envInExpressions(envInExpressions).stopGrace(stopGrace).waitBackoffMax(waitBackoffMax);
    }

    /** Options made step by step; {@link #build} checks them. */
    public static final class Builder {
        private final Path workDirectory;
        private int workers = 8;
        private Duration pollInterval = Duration.ofSeconds(1);
        private int maxSessionsPerFlow = 1000;
        private Duration stepTimeout = Duration.ofMinutes(5);
        private Duration triggerTimeout = Duration.ofMinutes(1);
        private Duration triggerBackoffMax = Duration.ofMinutes(1);
        private Duration eventIdle = Duration.ofMillis(200);
        private RetryBackoff.Strategy retryBackoff = RetryBackoff.Strategy.FIXED;
        private Duration retryBackoffCap = Duration.ofMinutes(5);
        private List<String> envInExpressions = List.of();
        private Duration stopGrace = Duration.ofSeconds(10);
        private Duration waitBackoffMax = Duration.ofMinutes(1);

        private Builder(Path workDirectory) {
            this.workDirectory = workDirectory;
        }

        public Builder workers(int count) { this.workers = count; return this; }
        public Builder pollInterval(Duration interval) { this.pollInterval = interval; return this; }
        public Builder maxSessionsPerFlow(int max) { this.maxSessionsPerFlow = max; return this; }
        public Builder stepTimeout(Duration timeout) { this.stepTimeout = timeout; return this; }
        public Builder triggerTimeout(Duration timeout) { this.triggerTimeout = timeout; return this; }
        public Builder triggerBackoffMax(Duration cap) { this.triggerBackoffMax = cap; return this; }
        public Builder eventIdle(Duration pause) { this.eventIdle = pause; return this; }
        public Builder retryBackoff(RetryBackoff.Strategy strategy) { this.retryBackoff = strategy; return this; }
        public Builder retryBackoffCap(Duration cap) { this.retryBackoffCap = cap; return this; }
        /** The environment variables expressions may read: names, or prefixes ending in {@code *}; none by default. */
        public Builder envInExpressions(List<String> allowed) { this.envInExpressions = allowed; return this; }
        public Builder stopGrace(Duration grace) { this.stopGrace = grace; return this; }
        /** The longest pause between runs of a step that said "not now". */
        public Builder waitBackoffMax(Duration ceiling) { this.waitBackoffMax = ceiling; return this; }

        public EngineOptions build() {
            return new EngineOptions(workDirectory, workers, pollInterval, maxSessionsPerFlow, stepTimeout, triggerTimeout,
                    triggerBackoffMax, eventIdle, retryBackoff, retryBackoffCap, envInExpressions, stopGrace,
                    waitBackoffMax);
        }
    }

    static String lower(String text) {
        return text.trim().toLowerCase(Locale.ROOT);
    }
}
