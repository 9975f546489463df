package streamline.api.track;

import java.util.List;
import java.util.UUID;

/**
 * What completing a step changed.
 *
 * @param readySteps the steps that may run now, already registered as pending; a join appears here
 *        once, when its last reached predecessor completed
 * @param sessionComplete whether the session has no pending step left (the tracker then forgot it)
 */
public record StepCompletion(List<UUID> readySteps, boolean sessionComplete) {
    public StepCompletion {
        readySteps = List.copyOf(readySteps);
    }
}
