package streamline.flow.files;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.LogLevel;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.cron.support.CronSchedule;

/**
 * The Go project's flow JSON, read strictly and written back. Reading refuses an unknown field, a
 * wrong type (nothing is coerced: not {@code 2.9} or {@code "3"} to a number, {@code 0} or
 * {@code "false"} to a boolean, {@code 5} to text, {@code ""} to anything), a name with spaces around
 * it, a bad log level, a negative retry count, a bad cron expression, two triggers with one id, more
 * than {@link FlowGraph#MAX_PROCESSORS} processors or triggers (counted as they are read), and a
 * {@code flow} string that does not name every processor exactly as the language requires, each with
 * the file, the field and what is wrong. Numbers in configurations are kept exactly (a decimal as a
 * {@code BigDecimal}); one beyond the range of a {@code double} (1e400, 1e-400) is refused. Ids missing
 * from the file are derived from names, so reading the same file again yields the same ids.
 */
public final class FlowJson {

    /** The file's top level, field names as the Go project has them. */
    record FlowFile(String id, String name, String description, Boolean active,
            @JsonDeserialize(using = ProcessorList.class) List<ProcessorFile> processors,
            @JsonDeserialize(using = TriggerList.class) List<TriggerFile> triggerProcessors, String flow) {
    }

    record ProcessorFile(String id, String name, String type, Map<String, Object> config, Integer maxRetries,
            Integer backoffSeconds, String logLevel, Boolean enabled) {
    }

    record TriggerFile(String id, String name, String type, Map<String, Object> config, Boolean enabled,
            Boolean singleNode, String cronExpression, String logLevel) {
    }

    /** Deepest nesting of JSON a flow file may have: configuration values may be structured, but never this deep. */
    static final int MAX_JSON_DEPTH = 100;

    /** Decimal exponents a number may have: those of a {@code double}, so that no reader of a value meets Infinity. */
    static final int MAX_EXPONENT = 308;

    private final ObjectMapper json = StrictJson.mapper(MAX_JSON_DEPTH);

    static final class ProcessorList extends StrictJson.BoundedList<ProcessorFile> {
        private static final long serialVersionUID = 1L;

        ProcessorList() {
            super(ProcessorFile.class, "processors");
        }
    }

    static final class TriggerList extends StrictJson.BoundedList<TriggerFile> {
        private static final long serialVersionUID = 1L;

        TriggerList() {
            super(TriggerFile.class, "triggers");
        }
    }

    /**
     * Reads a flow.
     *
     * @param where the file (or other source) name for messages
     */
    public FlowDefinition read(String text, String where) throws FlowFileException {
        FlowFile file;
        try {
            file = json.readValue(text, FlowFile.class);
        } catch (UnrecognizedPropertyException e) {
            throw new FlowFileException(where + ": field '" + path(e) + "': unknown field (known: "
                    + e.getKnownPropertyIds() + ")", e);
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof JsonProcessingException syntax) {
                throw notJson(syntax, where);
            }
            throw new FlowFileException(where + ": field '" + path(e) + "': " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw notJson(e, where);
        }
        if (file == null) {
            throw new FlowFileException(where + ": the file is empty");
        }
        try {
            return toDefinition(file, where);
        } catch (RuntimeException e) {
            // a value the model refuses that no check above foresaw: still an error of this file
            throw new FlowFileException(where + ": " + e.getMessage(), e);
        }
    }

    private static FlowFileException notJson(JsonProcessingException e, String where) {
        String message = String.valueOf(e.getOriginalMessage());
        int detail = message.indexOf(" (for ");
        JsonLocation location = e.getLocation();
        return new FlowFileException(where + ": not valid JSON" + (location == null ? "" : " at line " + location.getLineNr()
                + ", column " + location.getColumnNr()) + ": " + (detail > 0 ? message.substring(0, detail) : message), e);
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            } else {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            }
        }
        return path.toString();
    }

    private static FlowDefinition toDefinition(FlowFile file, String where) throws FlowFileException {
        String name = required(file.name(), where, "name");
        String description = file.description() == null ? "" : file.description();
        if (description.contains(FlowOrigin.PREFIX)) {
            throw new FlowFileException(where + ": field 'description': '" + FlowOrigin.PREFIX.trim()
                    + "' is reserved: it marks the flows saved from the flow folder");
        }
        UUID flowId = file.id() == null ? FlowDefinition.idFromName(name) : uuid(file.id(), where, "id");
        List<ProcessorFile> processors = file.processors() == null ? List.of() : file.processors();
        if (processors.isEmpty()) {
            throw new FlowFileException(where + ": field 'processors': a flow needs at least one processor");
        }
        Map<String, UUID> ids = new LinkedHashMap<>();
        for (int i = 0; i < processors.size(); i++) {
            ProcessorFile processor = processors.get(i);
            String field = "processors[" + i + "]";
            String processorName = required(processor.name(), where, field + ".name");
            if (!FlowGraph.NAME.matcher(processorName).matches()) {
                throw new FlowFileException(where + ": field '" + field + ".name': '" + processorName
                        + "' is not a processor name: letters, digits and '_' only");
            }
            if (ids.containsKey(processorName)) {
                throw new FlowFileException(where + ": field '" + field + ".name': two processors are named '" + processorName + "'");
            }
            ids.put(processorName, processor.id() == null ? ProcessorDefinition.idFromName(flowId, processorName)
                    : uuid(processor.id(), where, field + ".id"));
        }
        Map<String, Set<String>> edges = edges(file.flow(), ids.keySet(), where);
        List<ProcessorDefinition> definitions = new ArrayList<>();
        for (int i = 0; i < processors.size(); i++) {
            ProcessorFile processor = processors.get(i);
            String field = "processors[" + i + "]";
            definitions.add(ProcessorDefinition.builder()
                    .id(ids.get(processor.name()))
                    .name(processor.name())
                    .type(required(processor.type(), where, field + ".type"))
                    .config(config(processor.config(), where, field + ".config"))
                    .maxRetries(atLeastZero(processor.maxRetries(), where, field + ".maxRetries"))
                    .backoffSeconds(atLeastZero(processor.backoffSeconds(), where, field + ".backoffSeconds"))
                    .logLevel(level(processor.logLevel(), where, field + ".logLevel"))
                    .enabled(processor.enabled() == null || processor.enabled())
                    .nextProcessorIds(edges.get(processor.name()).stream().map(ids::get).toList())
                    .build());
        }
        List<TriggerDefinition> triggers = new ArrayList<>();
        List<TriggerFile> triggerFiles = file.triggerProcessors() == null ? List.of() : file.triggerProcessors();
        Set<String> triggerNames = new HashSet<>();
        Set<UUID> triggerIds = new HashSet<>();
        for (int i = 0; i < triggerFiles.size(); i++) {
            TriggerFile trigger = triggerFiles.get(i);
            String field = "triggerProcessors[" + i + "]";
            String triggerName = required(trigger.name(), where, field + ".name");
            if (!triggerNames.add(triggerName)) {
                throw new FlowFileException(where + ": field '" + field + ".name': two triggers are named '" + triggerName + "'");
            }
            String cron = trigger.cronExpression() == null ? "" : trigger.cronExpression().trim();
            if (!cron.isEmpty()) {
                try {
                    CronSchedule.parse(cron);
                } catch (IllegalArgumentException e) {
                    throw new FlowFileException(where + ": field '" + field + ".cronExpression': " + e.getMessage(), e);
                }
            }
            UUID triggerId = trigger.id() == null ? TriggerDefinition.idFromName(flowId, triggerName) : uuid(trigger.id(), where, field + ".id");
            if (!triggerIds.add(triggerId)) {
                // the engine keys triggers by id: one of the two would never run
                throw new FlowFileException(where + ": field '" + field + ".id': " + triggerId + " is the id of another trigger");
            }
            triggers.add(TriggerDefinition.builder()
                    .id(triggerId)
                    .name(triggerName)
                    .type(required(trigger.type(), where, field + ".type"))
                    .config(config(trigger.config(), where, field + ".config"))
                    .cronExpression(cron)
                    .singleNode(trigger.singleNode() != null && trigger.singleNode())
                    .enabled(trigger.enabled() == null || trigger.enabled())
                    .logLevel(level(trigger.logLevel(), where, field + ".logLevel"))
                    .build());
        }
        FlowDefinition flow = FlowDefinition.builder().id(flowId).name(name)
                .description(description)
                .active(file.active() == null || file.active())
                .processors(definitions).triggers(triggers).build();
        try {
            FlowGraph.of(flow);
        } catch (InvalidFlowException e) {
            throw new FlowFileException(where + ": field 'flow': " + e.getMessage(), e);
        }
        return flow;
    }

    private static Map<String, Set<String>> edges(String text, Set<String> names, String where)
            throws FlowFileException {
        if (text == null) {
            throw new FlowFileException(where + ": field 'flow': missing; it orders the processors, for example \"A->[B, C]\"");
        }
        FlowLanguage.Graph graph;
        try {
            graph = FlowLanguage.parse(text);
        } catch (FlowLanguage.FlowSyntaxException e) {
            throw new FlowFileException(where + ": field 'flow', " + e.getMessage(), e);
        }
        for (String used : graph.next().keySet()) {
            if (!names.contains(used)) {
                throw new FlowFileException(where + ": field 'flow', column " + (text.indexOf(used) + 1) + ": '" + used
                        + "' is not a processor of this flow (processors: " + names + ")");
            }
        }
        for (String declared : names) {
            if (!graph.next().containsKey(declared)) {
                throw new FlowFileException(where + ": field 'flow': processor '" + declared + "' is not in the flow");
            }
        }
        return graph.next();
    }

    /**
     * A configuration map without nulls: a flow's values are text, numbers, booleans, lists and maps. A key whose value is
     * {@code null} is left out, as the Go project reads it (its flow files write unset keys so); a null deeper in a
     * value is refused.
     */
    private static Map<String, Object> config(Map<String, Object> config, String where, String field) throws FlowFileException {
        if (config == null) {
            return Map.of();
        }
        Map<String, Object> present = new LinkedHashMap<>(config);
        present.values().removeIf(Objects::isNull);
        checkValues(present, where, field);
        return present;
    }

    /** No nulls, and numbers within the range of a {@code double}: Values keeps them, every store and log persists them. */
    private static void checkValues(Object value, String where, String field) throws FlowFileException {
        BigDecimal number = value instanceof BigDecimal d ? d : value instanceof BigInteger i ? new BigDecimal(i) : null;
        if (number != null && number.signum() != 0) {
            long exponent = (long) number.precision() - number.scale() - 1;
            if (Math.abs(exponent) > MAX_EXPONENT) {
                throw new FlowFileException(where + ": field '" + field + "': " + number + " is beyond the range of numbers a flow may"
                        + " hold (exponents up to " + MAX_EXPONENT + ", as a double)");
            }
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String key = field + "." + entry.getKey();
                if (entry.getValue() == null) {
                    throw new FlowFileException(where + ": field '" + key + "': null is not a value; leave the key out instead");
                }
                checkValues(entry.getValue(), where, key);
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) == null) {
                    throw new FlowFileException(where + ": field '" + field + "[" + i + "]': null is not a value");
                }
                checkValues(list.get(i), where, field + "[" + i + "]");
            }
        }
    }

    private static String required(String value, String where, String field) throws FlowFileException {
        if (value == null || value.isBlank()) {
            throw new FlowFileException(where + ": field '" + field + "': missing or empty");
        }
        for (int i = 0; i < value.length(); i++) {
            if (forgesText(value.charAt(i))) {
                // a name is printed in log lines and the shell: a line break or a direction override would forge them
                throw new FlowFileException(where + ": field '" + field + "': control or bidirectional-override character U+"
                        + String.format("%04X", (int) value.charAt(i)) + " at position " + (i + 1));
            }
        }
        if (!value.equals(value.strip())) {
            throw new FlowFileException(where + ": field '" + field + "': '" + value + "' has spaces around it");
        }
        return value;
    }

    private static boolean forgesText(char c) {
        return Character.isISOControl(c) || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
                || c == '\u200E' || c == '\u200F' || c == '\u061C';
    }

    private static UUID uuid(String value, String where, String field) throws FlowFileException {
        try {
            return UUID.fromString(value.trim());
        } catch (IllegalArgumentException e) {
            throw new FlowFileException(where + ": field '" + field + "': '" + value + "' is not a UUID", e);
        }
    }

    private static int atLeastZero(Integer value, String where, String field) throws FlowFileException {
        if (value == null) {
            return 0;
        }
        if (value < 0) {
            throw new FlowFileException(where + ": field '" + field + "': must be 0 or more, was " + value);
        }
        return value;
    }

    /** A step's log level; missing or empty (as the Go project writes an unset one) the default. */
    private static LogLevel level(String value, String where, String field) throws FlowFileException {
        if (value == null || value.isBlank()) {
            return LogLevel.INFO;
        }
        try {
            return LogLevel.parse(value);
        } catch (IllegalArgumentException e) {
            throw new FlowFileException(where + ": field '" + field + "': " + e.getMessage(), e);
        }
    }

    /** Writes a flow in the same format (without the flow folder's origin mark); reading the result gives the same flow. */
    public String write(FlowDefinition stored) {
        FlowDefinition flow = FlowOrigin.withoutOrigin(stored);
        Map<UUID, String> names = new HashMap<>();
        flow.processors().forEach(p -> names.put(p.id(), p.name()));
        Map<String, List<String>> next = new LinkedHashMap<>();
        List<ProcessorFile> processors = new ArrayList<>();
        for (ProcessorDefinition p : flow.processors()) {
            next.put(p.name(), p.nextProcessorIds().stream().map(names::get).toList());
            processors.add(new ProcessorFile(p.id().toString(), p.name(), p.type(), p.config(), p.maxRetries(),
                    p.backoffSeconds(), p.logLevel().text(), p.enabled()));
        }
        List<TriggerFile> triggers = flow.triggers().stream().map(t -> new TriggerFile(t.id().toString(), t.name(), t.type(),
                t.config(), t.enabled(), t.singleNode(), t.cronExpression().isEmpty() ? null : t.cronExpression(),
                t.logLevel().text())).toList();
        FlowFile file = new FlowFile(flow.id().toString(), flow.name(), flow.description(), flow.active(), processors,
                triggers, FlowLanguage.write(next));
        try {
            return json.writeValueAsString(file);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write flow " + flow.name() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
