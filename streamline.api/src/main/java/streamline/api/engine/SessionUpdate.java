package streamline.api.engine;

import java.util.Objects;
import java.util.UUID;

/**
 * News about a session: sent to {@link SessionListener}s and to the trigger that started it.
 *
 * @param sessionId the session
 * @param flowId its flow
 * @param finished whether the session has ended (successfully or not)
 * @param error why it failed; empty unless it failed
 * @param triggerMark the mark of the item that started the session
 */
public record SessionUpdate(UUID sessionId, UUID flowId, boolean finished, String error, String triggerMark) {

    public SessionUpdate {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(flowId, "flowId");
        error = Objects.requireNonNullElse(error, "");
        triggerMark = Objects.requireNonNullElse(triggerMark, "");
    }

    /** Whether the session ended in failure. */
    public boolean failed() {
        return !error.isEmpty();
    }
}
