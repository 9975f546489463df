package streamline.api.flow;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A trigger processor of a flow: it emits the items that start sessions, either on a cron
 * schedule or as a long-running event loop (the plug-in's schedule type decides which).
 *
 * @param id stable identity, unique within the whole flow store
 * @param name unique among the triggers of its flow
 * @param type the plug-in type, matched against {@code streamline.processor.type}
 * @param config configuration, deeply immutable (see {@link Values})
 * @param cronExpression the schedule of a cron trigger, with a seconds field; empty for an event trigger
 * @param singleNode whether only one node of a cluster runs this trigger at a time
 * @param enabled whether the trigger runs
 * @param logLevel the level of this trigger's log lines
 */
public record TriggerDefinition(UUID id, String name, String type, Map<String, Object> config,
        String cronExpression, boolean singleNode, boolean enabled, LogLevel logLevel) {

    public TriggerDefinition {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(logLevel, "logLevel");
        cronExpression = cronExpression == null ? "" : cronExpression.trim();
        config = Values.immutableMap(config, "config of trigger " + name);
    }

    /** The id a trigger gets when its definition gives none: derived from the flow id and its name. */
    public static UUID idFromName(UUID flowId, String name) {
        return UUID.nameUUIDFromBytes(("streamline.trigger:" + flowId + ":" + name).getBytes(StandardCharsets.UTF_8));
    }

    /** Whether this trigger has a cron schedule. */
    public boolean hasCron() {
        return !cronExpression.isEmpty();
    }

    public Builder toBuilder() {
        return new Builder().id(id).name(name).type(type).config(config).cronExpression(cronExpression)
                .singleNode(singleNode).enabled(enabled).logLevel(logLevel);
    }

    /** A builder with the defaults of the flow format: enabled, not single-node, level info, no cron. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link TriggerDefinition}s; not thread-safe. */
    public static final class Builder {
        private UUID id;
        private String name;
        private String type;
        private Map<String, ?> config = Map.of();
        private String cronExpression = "";
        private boolean singleNode;
        private boolean enabled = true;
        private LogLevel logLevel = LogLevel.INFO;

        private Builder() {
        }

        public Builder id(UUID id) { this.id = id; return this; }
        public Builder name(String name) { this.name = name; return this; }
        public Builder type(String type) { this.type = type; return this; }
        public Builder config(Map<String, ?> config) { this.config = config; return this; }
        public Builder cronExpression(String cron) { this.cronExpression = cron; return this; }
        public Builder singleNode(boolean singleNode) { this.singleNode = singleNode; return this; }
        public Builder enabled(boolean enabled) { this.enabled = enabled; return this; }
        public Builder logLevel(LogLevel logLevel) { this.logLevel = logLevel; return this; }

        @SuppressWarnings("unchecked")
        public TriggerDefinition build() {
            return new TriggerDefinition(id, name, type, (Map<String, Object>) config, cronExpression,
                    singleNode, enabled, logLevel);
        }
    }
}
