package streamline.api.processor;

import java.util.Map;
import java.util.Objects;

import streamline.api.flow.Values;

/**
 * One item a trigger emits: it starts one session.
 *
 * @param metadata the session's first metadata
 * @param triggerMark the trigger's identification of the item, given back when the session ends
 * @param content the session's first content, or {@code null} for none
 */
public record TriggerResult(Map<String, Object> metadata, String triggerMark, ContentSource content) {

    public TriggerResult {
        metadata = Values.immutableMap(metadata, "metadata of trigger result " + triggerMark);
        triggerMark = Objects.requireNonNullElse(triggerMark, "");
    }

    /** An item without content. */
    public static TriggerResult of(Map<String, ?> metadata, String triggerMark) {
        return new TriggerResult(Values.immutableMap(metadata, "metadata of trigger result " + triggerMark), triggerMark, null);
    }

    /** Whether the item has content. */
    public boolean hasContent() {
        return content != null;
    }
}
