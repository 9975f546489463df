package streamline.flow.files;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;

/**
 * Where a stored flow came from. A flow saved from the flow folder ends its description with the
 * line {@code [streamline.flow.files: "orders.json"]}: the file it was last saved from, as a JSON
 * string with every character outside printable ASCII escaped. The mark lives in the definition
 * because every store keeps the description as it is: it survives a restart and a switch of the
 * flow store, and a flow saved by other means (the shell's {@code load}, which refuses the mark in a
 * file) carries none, so the folder never stops it.
 */
final class FlowOrigin {

    /** What starts the mark; a flow file's own description may not contain it. */
    static final String PREFIX = "[streamline.flow.files: ";

    private static final ObjectMapper JSON = new ObjectMapper();

    private FlowOrigin() {
    }

    /** The flow with its description marked as saved from {@code fileName}. */
    static FlowDefinition withOrigin(FlowDefinition flow, String fileName) {
        String mark = PREFIX + quoted(fileName) + "]";
        String description = flow.description();
        return flow.toBuilder().description(description.isEmpty() ? mark : description + "\n" + mark).build();
    }

    /** The file a stored flow was last saved from, or empty if it was saved by other means. */
    static Optional<String> fileOf(FlowDefinition flow) {
        String description = flow.description();
        int at = description.indexOf(PREFIX);
        if (at < 0 || !description.endsWith("]") || (at > 0 && description.charAt(at - 1) != '\n')) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(description.substring(at + PREFIX.length(), description.length() - 1), String.class));
        } catch (JsonProcessingException e) {
            return Optional.empty(); // written by hand, not by the folder
        }
    }

    /** The flow as its file describes it: without the mark. */
    static FlowDefinition withoutOrigin(FlowDefinition flow) {
        if (fileOf(flow).isEmpty()) {
            return flow;
        }
        int at = flow.description().indexOf(PREFIX);
        return flow.toBuilder().description(flow.description().substring(0, Math.max(0, at - 1))).build();
    }

    /**
     * Whether {@code stored} is what saving {@code fromFile} would store, whichever file of the folder
     * it was saved from (a renamed file changes nothing). Numbers count by value: a store may give
     * back a decimal as a {@code Double}.
     */
    static boolean isSavedAs(FlowDefinition stored, FlowDefinition fromFile) {
        return stored != null && fileOf(stored).isPresent()
                && normalized(withoutOrigin(stored)).equalsIgnoringLastUpdated(normalized(withoutOrigin(fromFile)));
    }

    private static String quoted(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                // a file name is printed with the description: no line break or direction override passes through
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static FlowDefinition normalized(FlowDefinition flow) {
        List<ProcessorDefinition> processors = new ArrayList<>();
        for (ProcessorDefinition p : flow.processors()) {
            processors.add(p.toBuilder().config(normalizedMap(p.config())).build());
        }
        List<TriggerDefinition> triggers = new ArrayList<>();
        for (TriggerDefinition t : flow.triggers()) {
            triggers.add(t.toBuilder().config(normalizedMap(t.config())).build());
        }
        return flow.toBuilder().processors(processors).triggers(triggers).build();
    }

    private static Map<String, Object> normalizedMap(Map<String, Object> map) {
        Map<String, Object> normalized = new LinkedHashMap<>();
        map.forEach((key, value) -> normalized.put(key, normalizedValue(value)));
        return normalized;
    }

    private static Object normalizedValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> normalized = new LinkedHashMap<>();
            map.forEach((key, inner) -> normalized.put(String.valueOf(key), normalizedValue(inner)));
            return normalized;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(FlowOrigin::normalizedValue).toList();
        }
        if (value instanceof Double d && (d.isInfinite() || d.isNaN())) {
            return value;
        }
        if (value instanceof BigDecimal || value instanceof Double) {
            return new BigDecimal(value.toString()).stripTrailingZeros();
        }
        if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
            return new BigDecimal(value.toString());
        }
        return value;
    }
}
