package streamline.runtime.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.StepUnavailableException;

/**
 * How long a step that said "not now" ({@link StepUnavailableException}) waits before it runs again: one
 * second, doubled on each wait up to the engine's ceiling; a processor's own "try again after" within that
 * ceiling. A processor may bound the whole wait with {@value StepUnavailableException#MAX_WAIT_KEY}.
 *
 * <p>When a step's wait began is logged once, at its first wait: its start is logged again (same input, same
 * attempt) with {@link #describeStart the wait's start} in the entry's {@code error} field, so that after a restart
 * the limit counts from the first wait, not from the restart. Every log and every engine takes that entry as the
 * step's start it is; a later start of the step (a retry) or its completion supersedes it.
 */
final class StepWaits {

    static final String MAX_WAIT_KEY = StepUnavailableException.MAX_WAIT_KEY;
    private static final Duration FIRST = Duration.ofSeconds(1);
    private static final String SINCE = "waiting since ";
    /** How much of a reason goes into the log: the entry's text is bounded, the reason is there for people. */
    private static final int LOGGED_REASON = 500;

    private final Duration ceiling;

    StepWaits(Duration ceiling) {
        this.ceiling = ceiling;
    }

    /** Checks a processor's wait limit, so a wrong value keeps its flow from activating. */
    void validate(ProcessorDefinition processor) {
        maxWait(processor);
    }

    /**
     * The pause before the next run of a step that waited {@code waits} times before (0 for its first wait).
     *
     * @param retryAfter the processor's own pause, if it gave one
     */
    Duration delay(int waits, Optional<Duration> retryAfter) {
        Duration pause = retryAfter.orElseGet(() -> FIRST.multipliedBy(1L << Math.min(waits, 30)));
        return pause.compareTo(ceiling) > 0 ? ceiling : pause;
    }

    /** The longest a step of this processor waits in all, if it is bounded. */
    Optional<Duration> maxWait(ProcessorDefinition processor) {
        Object value = processor.config().get(MAX_WAIT_KEY);
        if (value == null || value.toString().isBlank()) {
            return Optional.empty();
        }
        try {
            long seconds = Long.parseLong(value.toString().trim());
            if (seconds < 0) {
                throw new NumberFormatException();
            }
            return Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("processor " + processor.name() + ": " + MAX_WAIT_KEY
                    + " must be a whole number of seconds >= 0, was '" + value + "'");
        }
    }

    /** The text a step's logged start carries once the step waits: when the wait began, and why. */
    static String describeStart(Instant since, String reason) {
        String why = reason.length() > LOGGED_REASON ? reason.substring(0, LOGGED_REASON) + "…" : reason;
        return SINCE + since + ": " + why;
    }

    /** When the wait of a logged step start began, if the entry says its step waits ({@link #describeStart}). */
    static Optional<Instant> startOf(String loggedError) {
        if (loggedError == null || !loggedError.startsWith(SINCE)) {
            return Optional.empty();
        }
        int end = loggedError.indexOf(": ", SINCE.length());
        try {
            return Optional.of(Instant.parse(end < 0 ? loggedError.substring(SINCE.length()) : loggedError.substring(SINCE.length(), end)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
