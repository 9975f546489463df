package streamline.runtime.engine;

import java.time.Duration;
import java.util.Optional;

import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.StepUnavailableException;

/**
 * How long a step that said "not now" ({@link StepUnavailableException}) waits before it runs again: one
 * second, doubled on each wait up to the engine's ceiling; a processor's own "try again after" within that
 * ceiling. A processor may bound the whole wait with {@value StepUnavailableException#MAX_WAIT_KEY}.
 */
final class StepWaits {

    static final String MAX_WAIT_KEY = StepUnavailableException.MAX_WAIT_KEY;
    private static final Duration FIRST = Duration.ofSeconds(1);

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
}
