package streamline.api.processor;

import java.util.Objects;
import java.util.UUID;

/**
 * What became of one item a trigger returned, told to it by {@link TriggerProcessor#itemsReceived}.
 *
 * @param item the item as the trigger returned it
 * @param status whether its session is durably started, was already live, or was not started
 * @param sessionId the session that processes the item ({@link Status#STARTED} or {@link Status#DUPLICATE}),
 *        or {@code null} if none ({@link Status#NOT_STARTED})
 * @param reason why it was not started; empty otherwise
 */
public record ItemOutcome(TriggerResult item, Status status, UUID sessionId, String reason) {

    /** The three outcomes of an item. */
    public enum Status {
        /**
         * A new session for the item is in the write-ahead log: it will be processed even after a
         * crash, and the trigger hears of its end through {@link TriggerProcessor#sessionEnded}. The
         * moment a source may commit the item (a message queue its offset).
         */
        STARTED,
        /**
         * A session for the same trigger mark is live (running, or recovered after a restart): the
         * item was not started again, and the live session's end will be told as usual. For the
         * source this is as good as {@link #STARTED}.
         */
        DUPLICATE,
        /** Nothing was started for the item ({@link ItemOutcome#reason()} says why): the trigger may emit it again. */
        NOT_STARTED
    }

    public ItemOutcome {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(status, "status");
        reason = Objects.requireNonNullElse(reason, "");
        if ((status == Status.NOT_STARTED) != (sessionId == null)) {
            throw new IllegalArgumentException("an item " + status + " has " + (sessionId == null ? "no" : "a") + " session");
        }
    }

    public static ItemOutcome started(TriggerResult item, UUID sessionId) {
        return new ItemOutcome(item, Status.STARTED, sessionId, "");
    }

    public static ItemOutcome duplicate(TriggerResult item, UUID liveSessionId) {
        return new ItemOutcome(item, Status.DUPLICATE, liveSessionId, "");
    }

    public static ItemOutcome notStarted(TriggerResult item, String reason) {
        return new ItemOutcome(item, Status.NOT_STARTED, null, reason);
    }

    /** Whether the item is in the hands of a live session (started now, or earlier). */
    public boolean accepted() {
        return status != Status.NOT_STARTED;
    }
}
