package streamline.api.flow;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One processor of a flow: its identity, the type of the plug-in that runs it, its configuration
 * (values may contain {@code ${...}} expressions evaluated per session), its retry policy, and the
 * ids of the processors that run after it.
 *
 * @param id stable identity, unique within the whole flow store
 * @param name unique within its flow; the name the flow language uses
 * @param type the plug-in type, matched against {@code streamline.processor.type}
 * @param config configuration, deeply immutable (see {@link Values})
 * @param maxRetries how many times a failed step is retried, {@code >= 0}
 * @param backoffSeconds the pause before a retry, {@code >= 0}
 * @param logLevel the level of this processor's log lines
 * @param enabled whether the processor runs; the engine passes a session through a disabled
 *        processor unchanged
 * @param nextProcessorIds the processors that run after this one, in parallel branches
 */
public record ProcessorDefinition(UUID id, String name, String type, Map<String, Object> config,
        int maxRetries, int backoffSeconds, LogLevel logLevel, boolean enabled,
        List<UUID> nextProcessorIds) {

    public ProcessorDefinition {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(logLevel, "logLevel");
        config = Values.immutableMap(config, "config of processor " + name);
        nextProcessorIds = List.copyOf(nextProcessorIds);
    }

    /** The id a processor gets when its definition gives none: derived from the flow id and its name. */
    public static UUID idFromName(UUID flowId, String name) {
        return UUID.nameUUIDFromBytes(("streamline.processor:" + flowId + ":" + name).getBytes(StandardCharsets.UTF_8));
    }

    /** A builder with this definition's values. */
    public Builder toBuilder() {
        return new Builder().id(id).name(name).type(type).config(config).maxRetries(maxRetries)
                .backoffSeconds(backoffSeconds).logLevel(logLevel).enabled(enabled)
                .nextProcessorIds(nextProcessorIds);
    }

    /** A builder with the defaults of the flow format: enabled, no retries, no backoff, level info. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link ProcessorDefinition}s; not thread-safe. */
    public static final class Builder {
        private UUID id;
        private String name;
        private String type;
        private Map<String, ?> config = Map.of();
        private int maxRetries;
        private int backoffSeconds;
        private LogLevel logLevel = LogLevel.INFO;
        private boolean enabled = true;
        private List<UUID> nextProcessorIds = List.of();

        private Builder() {
        }

        public Builder id(UUID id) { this.id = id; return this; }
        public Builder name(String name) { this.name = name; return this; }
        public Builder type(String type) { this.type = type; return this; }
        public Builder config(Map<String, ?> config) { this.config = config; return this; }
        public Builder maxRetries(int maxRetries) { this.maxRetries = maxRetries; return this; }
        public Builder backoffSeconds(int backoffSeconds) { this.backoffSeconds = backoffSeconds; return this; }
        public Builder logLevel(LogLevel logLevel) { this.logLevel = logLevel; return this; }
        public Builder enabled(boolean enabled) { this.enabled = enabled; return this; }
        public Builder nextProcessorIds(List<UUID> ids) { this.nextProcessorIds = ids; return this; }

        /** Sets the next processors to the given ones. */
        public Builder next(UUID... ids) { this.nextProcessorIds = List.of(ids); return this; }

        @SuppressWarnings("unchecked")
        public ProcessorDefinition build() {
            return new ProcessorDefinition(id, name, type, (Map<String, Object>) config, maxRetries,
                    backoffSeconds, logLevel, enabled, nextProcessorIds);
        }
    }
}
