package streamline.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import streamline.config.support.ConfigReader;
import streamline.config.support.ConfigRefused;

/**
 * The engine's settings in plain Java form, checked once: the DS component builds them from
 * {@link RuntimeConfig}, tests and benchmarks build them directly.
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

    /** The configuration's PID. */
    static final String PID = "streamline.runtime";

    /**
     * The options a configuration gives, every value checked against its range (the README's configuration table);
     * a relative work directory is resolved against {@code home} when given.
     *
     * @param properties the component properties, where a refusal finds the value as the operator wrote it
     * @throws ConfigRefused naming the PID, key, value and rule of the first value refused
     */
    static EngineOptions from(RuntimeConfig config, Map<String, ?> properties, String home) {
        ConfigReader read = new ConfigReader(PID, properties);
        Path directory;
        String configured = read.text("work.directory", config::work_directory, "a path is required");
        try {
            directory = Path.of(configured);
        } catch (InvalidPathException e) {
            throw new ConfigRefused(PID, "work.directory", configured, "a valid path is required", e);
        }
        if (!directory.isAbsolute() && home != null && !home.isBlank()) {
            directory = Path.of(home).resolve(directory);
        }
        RetryBackoff.Strategy strategy = RetryBackoff.Strategy.parse(read.oneOf("retry.backoff", config::retry_backoff, "fixed", "exponential"),
                "retry.backoff");
        read.filter("wal.target", config::wal_target);
        read.filter("flowManager.target", config::flowManager_target);
        read.list("abandon", config::abandon);
        return builder(directory).workers(read.intIn("workers", config::workers, 1, MAX_WORKERS))
                .pollInterval(Duration.ofMillis(read.longIn("poll.interval.ms", config::poll_interval_ms, 10, HOUR_MS)))
                .maxSessionsPerFlow(read.intIn("max.sessions.per.flow", config::max_sessions_per_flow, 1, 10_000_000))
                .stepTimeout(Duration.ofSeconds(read.longIn("step.timeout.seconds", config::step_timeout_seconds, 1, WEEK_SECONDS)))
                .triggerTimeout(Duration.ofSeconds(read.longIn("trigger.timeout.seconds", config::trigger_timeout_seconds, 1, DAY_SECONDS)))
                .triggerBackoffMax(Duration.ofSeconds(read.longIn("trigger.backoff.max.seconds", config::trigger_backoff_max_seconds, 1,
                        DAY_SECONDS)))
                .eventIdle(Duration.ofMillis(read.longIn("event.idle.ms", config::event_idle_ms, 0, HOUR_MS)))
                .retryBackoff(strategy)
                .retryBackoffCap(Duration.ofSeconds(read.longIn("retry.backoff.cap.seconds", config::retry_backoff_cap_seconds, 1, WEEK_SECONDS)))
                .envInExpressions(read.list("expressions.env", config::expressions_env))
                .stopGrace(Duration.ofSeconds(read.longIn("stop.grace.seconds", config::stop_grace_seconds, 0, HOUR_MS / 1000)))
                .waitBackoffMax(Duration.ofSeconds(read.longIn("wait.backoff.max.seconds", config::wait_backoff_max_seconds, 1, DAY_SECONDS)))
                .build();
    }

    /**
     * {@link #from} and a check that the work directory can be made and written, so that a configuration
     * naming one that cannot is refused before the running engine is stopped.
     */
    static EngineOptions accepted(RuntimeConfig config, Map<String, ?> properties, String home) {
        EngineOptions options = from(config, properties, home);
        Path directory = options.workDirectory();
        try {
            Files.createDirectories(directory);
        } catch (IOException | RuntimeException e) {
            throw new ConfigRefused(PID, "work.directory", config.work_directory(),
                    "a folder the engine can create and write is required (" + e + ")", e);
        }
        if (!Files.isWritable(directory)) {
            throw new ConfigRefused(PID, "work.directory", config.work_directory(),
                    "a folder the engine can create and write is required (" + directory + " is not writable)");
        }
        return options;
    }

    static final int MAX_WORKERS = 1024;
    static final long HOUR_MS = 3_600_000;
    static final long DAY_SECONDS = 86_400;
    static final long WEEK_SECONDS = 7 * DAY_SECONDS;

    static String lower(String text) {
        return text.trim().toLowerCase(Locale.ROOT);
    }
}
