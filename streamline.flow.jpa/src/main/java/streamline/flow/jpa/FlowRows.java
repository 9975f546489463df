package streamline.flow.jpa;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.LogLevel;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;

/**
 * Flow definitions as rows and back: a flow's row, one row per processor and trigger (in their
 * order, stamped with the flow's version), configurations as JSON text, times as nanoseconds.
 */
final class FlowRows {

    /** Not-a-number and the infinities written as JSON's extension tokens and read back as doubles, not as text. */
    private static final ObjectMapper JSON = JsonMapper.builder().disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final TypeReference<Map<String, Object>> CONFIG = new TypeReference<>() { };

    private FlowRows() {
    }

    /** Text longer than its column is refused with the flow, saying where, rather than failing in the database. */
    static void checkFitsColumns(FlowDefinition flow) throws InvalidFlowException {
        List<String> problems = new ArrayList<>();
        fits(problems, "the flow's name", flow.name(), FlowEntity.NAME_LENGTH);
        fits(problems, "the flow's description", flow.description(), FlowEntity.DESCRIPTION_LENGTH);
        for (ProcessorDefinition p : flow.processors()) {
            fits(problems, "the name of processor " + p.id(), p.name(), FlowEntity.NAME_LENGTH);
            fits(problems, "the type of processor '" + p.name() + "'", p.type(), FlowEntity.NAME_LENGTH);
        }
        for (TriggerDefinition t : flow.triggers()) {
            fits(problems, "the name of trigger " + t.id(), t.name(), FlowEntity.NAME_LENGTH);
            fits(problems, "the type of trigger '" + t.name() + "'", t.type(), FlowEntity.NAME_LENGTH);
            fits(problems, "the cron expression of trigger '" + t.name() + "'", t.cronExpression(), FlowEntity.NAME_LENGTH);
        }
        if (!problems.isEmpty()) {
            throw new InvalidFlowException(flow.name().length() > 80 ? flow.name().substring(0, 80) + "…" : flow.name(), problems);
        }
    }

    private static void fits(List<String> problems, String what, String value, int length) {
        if (value != null && value.length() > length) {
            problems.add(what + " has " + value.length() + " characters; this store keeps at most " + length);
        }
    }

    static FlowEntity toEntity(FlowDefinition flow, long stamp) throws InvalidFlowException {
        FlowEntity entity = new FlowEntity();
        entity.id = flow.id().toString();
        entity.name = flow.name();
        entity.description = flow.description();
        entity.active = flow.active();
        entity.lastUpdated = stamp;
        entity.processorCount = flow.processors().size();
        entity.triggerCount = flow.triggers().size();
        int position = 0;
        for (ProcessorDefinition p : flow.processors()) {
            ProcessorEntity e = new ProcessorEntity();
            e.id = p.id().toString();
            e.flow = entity;
            e.flowStamp = stamp;
            e.position = position++;
            e.name = p.name();
            e.type = p.type();
            e.configJson = json(flow, p.name(), p.config());
            e.maxRetries = p.maxRetries();
            e.backoffSeconds = p.backoffSeconds();
            e.logLevel = p.logLevel().text();
            e.enabled = p.enabled();
            e.nextIds = String.join(",", p.nextProcessorIds().stream().map(UUID::toString).toList());
            entity.processors.add(e);
        }
        position = 0;
        for (TriggerDefinition t : flow.triggers()) {
            TriggerEntity e = new TriggerEntity();
            e.id = t.id().toString();
            e.flow = entity;
            e.flowStamp = stamp;
            e.position = position++;
            e.name = t.name();
            e.type = t.type();
            e.configJson = json(flow, t.name(), t.config());
            e.cronExpression = t.cronExpression();
            e.singleNode = t.singleNode();
            e.enabled = t.enabled();
            e.logLevel = t.logLevel().text();
            entity.triggers.add(e);
        }
        return entity;
    }

    private static String json(FlowDefinition flow, String owner, Map<String, Object> config) throws InvalidFlowException {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new InvalidFlowException(flow.name(), List.of("'" + owner + "': configuration cannot be written as JSON: "
                    + e.getOriginalMessage()));
        }
    }

    static FlowDefinition toDefinition(FlowEntity entity, List<ProcessorEntity> processors,
            List<TriggerEntity> triggers) {
        FlowDefinition.Builder flow = FlowDefinition.builder().id(UUID.fromString(entity.id)).name(entity.name)
                .description(entity.description).active(entity.active).lastUpdated(fromNanos(entity.lastUpdated));
        for (ProcessorEntity p : processors) {
            flow.processor(ProcessorDefinition.builder().id(UUID.fromString(p.id)).name(p.name).type(p.type)
                    .config(config(p.configJson, p.id)).maxRetries(p.maxRetries).backoffSeconds(p.backoffSeconds)
                    .logLevel(LogLevel.parse(p.logLevel)).enabled(p.enabled)
                    .nextProcessorIds(p.nextIds.isEmpty() ? List.of()
                            : Arrays.stream(p.nextIds.split(",")).map(UUID::fromString).toList())
                    .build());
        }
        for (TriggerEntity t : triggers) {
            flow.trigger(TriggerDefinition.builder().id(UUID.fromString(t.id)).name(t.name).type(t.type)
                    .config(config(t.configJson, t.id)).cronExpression(t.cronExpression).singleNode(t.singleNode)
                    .enabled(t.enabled).logLevel(LogLevel.parse(t.logLevel)).build());
        }
        return flow.build();
    }

    private static Map<String, Object> config(String json, String owner) {
        try {
            return JSON.readValue(json, CONFIG);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored configuration of " + owner + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    static long toNanos(Instant instant) {
        if (instant.isBefore(Instant.EPOCH)) {
            return Long.MIN_VALUE;
        }
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    static Instant fromNanos(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
