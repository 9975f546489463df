package streamline.runtime.osgi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import streamline.config.support.ConfigReader;
import streamline.config.support.ConfigRefused;

import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.RetryBackoff;

/** The engine's options as its configuration ({@link RuntimeConfig}, PID {@code streamline.runtime}) gives them. */
final class ConfiguredOptions {

    private ConfiguredOptions() {
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
        return EngineOptions.builder(directory).workers(read.intIn("workers", config::workers, 1, MAX_WORKERS))
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
}
