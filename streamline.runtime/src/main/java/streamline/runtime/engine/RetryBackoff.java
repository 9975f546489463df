package streamline.runtime.engine;

import java.time.Duration;

import streamline.api.flow.ProcessorDefinition;

/**
 * How long a failed step waits before its retry. A processor's definition gives {@code backoffSeconds};
 * its configuration may choose the strategy with {@value #STRATEGY_KEY} ({@code fixed} or
 * {@code exponential}) and the cap with {@value #CAP_KEY}; otherwise the engine's defaults apply.
 */
public final class RetryBackoff {

    static final String STRATEGY_KEY = "streamline.backoff";
    static final String CAP_KEY = "streamline.backoffCapSeconds";

    /** How the pause grows from one retry to the next. */
    public enum Strategy {
        FIXED, EXPONENTIAL;

        public static Strategy parse(String text, String where) {
            return switch (EngineOptions.lower(text)) {
                case "fixed" -> FIXED;
                case "exponential" -> EXPONENTIAL;
                default -> throw new IllegalArgumentException(where + " must be 'fixed' or 'exponential', was '" + text + "'");
            };
        }
    }

    private final Strategy defaultStrategy;
    private final Duration defaultCap;

    RetryBackoff(Strategy defaultStrategy, Duration defaultCap) {
        this.defaultStrategy = defaultStrategy;
        this.defaultCap = defaultCap;
    }

    /** Checks a processor's own backoff settings, so a wrong value keeps its flow from activating. */
    void validate(ProcessorDefinition processor) {
        strategy(processor);
        cap(processor);
    }

    /**
     * The pause before the retry that follows the failed attempt {@code failedAttempt} (0 for the
     * first run).
     */
    Duration delay(ProcessorDefinition processor, int failedAttempt) {
        Duration base = Duration.ofSeconds(processor.backoffSeconds());
        if (strategy(processor) == Strategy.FIXED || base.isZero()) {
            return base;
        }
        Duration cap = cap(processor);
        int doublings = Math.min(failedAttempt, 30);
        Duration grown = base.multipliedBy(1L << doublings);
        return grown.compareTo(cap) > 0 ? cap : grown;
    }

    private Strategy strategy(ProcessorDefinition processor) {
        Object value = processor.config().get(STRATEGY_KEY);
        return value == null ? defaultStrategy
                : Strategy.parse(value.toString(), "processor " + processor.name() + ": " + STRATEGY_KEY);
    }

    private Duration cap(ProcessorDefinition processor) {
        Object value = processor.config().get(CAP_KEY);
        if (value == null) {
            return defaultCap;
        }
        try {
            long seconds = Long.parseLong(value.toString().trim());
            if (seconds < 0) {
                throw new NumberFormatException();
            }
            return Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("processor " + processor.name() + ": " + CAP_KEY
                    + " must be a whole number of seconds >= 0, was '" + value + "'");
        }
    }
}
