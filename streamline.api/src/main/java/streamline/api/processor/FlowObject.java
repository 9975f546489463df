package streamline.api.processor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import streamline.api.flow.Values;

/**
 * What a session carries from step to step besides its content: the metadata, and the mark of
 * the trigger item that started it. Immutable; the {@code with…} methods return changed copies.
 *
 * @param metadata deeply immutable, JSON-like values (see {@link Values})
 * @param triggerMark the trigger's own identification of the item (for example a file path), so it
 *        can acknowledge the item when the session ends
 */
public record FlowObject(Map<String, Object> metadata, String triggerMark) {

    public FlowObject {
        metadata = Values.immutableMap(metadata, "metadata");
        triggerMark = Objects.requireNonNullElse(triggerMark, "");
    }

    /** A flow object with the given metadata and no trigger mark. */
    public static FlowObject of(Map<String, ?> metadata) {
        return new FlowObject(Values.immutableMap(metadata, "metadata"), "");
    }

    /** This object with one metadata value set. */
    public FlowObject with(String key, Object value) {
        Map<String, Object> changed = new LinkedHashMap<>(metadata);
        changed.put(key, value);
        return new FlowObject(changed, triggerMark);
    }

    /** This object with the given values set (others kept). */
    public FlowObject withAll(Map<String, ?> values) {
        Map<String, Object> changed = new LinkedHashMap<>(metadata);
        changed.putAll(values);
        return new FlowObject(changed, triggerMark);
    }

    /** This object with one metadata key removed. */
    public FlowObject without(String key) {
        Map<String, Object> changed = new LinkedHashMap<>(metadata);
        changed.remove(key);
        return new FlowObject(changed, triggerMark);
    }
}
