package streamline.api.flow;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A flow: processors linked into a directed acyclic graph, and the triggers that start its
 * sessions. Immutable; a {@link FlowManager} hands out such snapshots, so changing a flow means
 * saving a new definition.
 *
 * @param id stable identity
 * @param name human name, unique per store is not required
 * @param description free text
 * @param active whether the engine runs this flow
 * @param lastUpdated when the store last saved it ({@link Instant#EPOCH} before the first save)
 * @param processors the processors, in definition order
 * @param triggers the trigger processors, in definition order
 */
public record FlowDefinition(UUID id, String name, String description, boolean active,
        Instant lastUpdated, List<ProcessorDefinition> processors, List<TriggerDefinition> triggers) {

    public FlowDefinition {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        lastUpdated = lastUpdated == null ? Instant.EPOCH : lastUpdated;
        processors = List.copyOf(processors);
        triggers = List.copyOf(triggers);
    }

    /** The id a flow gets when its definition gives none: derived from its name. */
    public static UUID idFromName(String name) {
        return UUID.nameUUIDFromBytes(("streamline.flow:" + name).getBytes(StandardCharsets.UTF_8));
    }

    /** The processor with this id, if the flow has one. */
    public Optional<ProcessorDefinition> processor(UUID processorId) {
        for (ProcessorDefinition p : processors) {
            if (p.id().equals(processorId)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code other} is this definition saved at another time: equal in everything but
     * {@link #lastUpdated()}. A store that holds such a definition need not save it again.
     *
     * @since 1.1
     */
    public boolean equalsIgnoringLastUpdated(FlowDefinition other) {
        return other != null && toBuilder().lastUpdated(other.lastUpdated()).build().equals(other);
    }

    /** The processor with this name, if the flow has one (names are unique within a flow). */
    public Optional<ProcessorDefinition> processorNamed(String processorName) {
        for (ProcessorDefinition p : processors) {
            if (p.name().equals(processorName)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The processors no other processor of the flow leads to, in definition order. */
    public List<ProcessorDefinition> firstProcessors() {
        Set<UUID> targets = new HashSet<>();
        for (ProcessorDefinition p : processors) {
            targets.addAll(p.nextProcessorIds());
        }
        List<ProcessorDefinition> first = new ArrayList<>();
        for (ProcessorDefinition p : processors) {
            if (!targets.contains(p.id())) {
                first.add(p);
            }
        }
        return first;
    }

    /**
     * This flow with {@code processor} inserted before {@code referenceId}: every processor that led
     * to the reference leads to the new one instead, and the new one leads to the reference (see
     * {@link FlowManager#addProcessorBefore}). The result is not validated.
     *
     * @throws InvalidFlowException if the new processor has next links of its own
     * @throws ProcessorNotFoundException if the flow has no processor {@code referenceId}
     */
    public FlowDefinition withProcessorBefore(ProcessorDefinition processor, UUID referenceId)
            throws InvalidFlowException, ProcessorNotFoundException {
        ProcessorDefinition reference = insertionReference(processor, referenceId);
        List<ProcessorDefinition> changed = new ArrayList<>(processors.size() + 1);
        for (ProcessorDefinition p : processors) {
            if (p == reference) {
                changed.add(processor.toBuilder().next(referenceId).build());
                changed.add(p);
            } else if (p.nextProcessorIds().contains(referenceId)) {
                List<UUID> next = new ArrayList<>(p.nextProcessorIds());
                next.replaceAll(id -> id.equals(referenceId) ? processor.id() : id);
                changed.add(p.toBuilder().nextProcessorIds(next).build());
            } else {
                changed.add(p);
            }
        }
        return toBuilder().processors(changed).build();
    }

    /**
     * This flow with {@code processor} inserted after {@code referenceId}: the new one takes over the
     * reference's next processors and the reference leads to the new one only (see
     * {@link FlowManager#addProcessorAfter}). The result is not validated.
     *
     * @throws InvalidFlowException if the new processor has next links of its own
     * @throws ProcessorNotFoundException if the flow has no processor {@code referenceId}
     */
    public FlowDefinition withProcessorAfter(ProcessorDefinition processor, UUID referenceId)
            throws InvalidFlowException, ProcessorNotFoundException {
        ProcessorDefinition reference = insertionReference(processor, referenceId);
        List<ProcessorDefinition> changed = new ArrayList<>(processors.size() + 1);
        for (ProcessorDefinition p : processors) {
            if (p == reference) {
                changed.add(p.toBuilder().next(processor.id()).build());
                changed.add(processor.toBuilder().nextProcessorIds(p.nextProcessorIds()).build());
            } else {
                changed.add(p);
            }
        }
        return toBuilder().processors(changed).build();
    }

    private ProcessorDefinition insertionReference(ProcessorDefinition processor, UUID referenceId)
            throws InvalidFlowException, ProcessorNotFoundException {
        if (!processor.nextProcessorIds().isEmpty()) {
            throw new InvalidFlowException(name, List.of("processor '" + processor.name()
                    + "': a processor added before or after another must have no next processors; the store links it"));
        }
        return processor(referenceId).orElseThrow(() -> new ProcessorNotFoundException(id, referenceId));
    }

    public Builder toBuilder() {
        return new Builder().id(id).name(name).description(description).active(active)
                .lastUpdated(lastUpdated).processors(processors).triggers(triggers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link FlowDefinition}s; not thread-safe. */
    public static final class Builder {
        private UUID id;
        private String name;
        private String description = "";
        private boolean active;
        private Instant lastUpdated = Instant.EPOCH;
        private List<ProcessorDefinition> processors = new ArrayList<>();
        private List<TriggerDefinition> triggers = new ArrayList<>();

        private Builder() {
        }

        public Builder id(UUID id) { this.id = id; return this; }
        public Builder name(String name) { this.name = name; return this; }
        public Builder description(String description) { this.description = description; return this; }
        public Builder active(boolean active) { this.active = active; return this; }
        public Builder lastUpdated(Instant lastUpdated) { this.lastUpdated = lastUpdated; return this; }
        public Builder processors(List<ProcessorDefinition> processors) { this.processors = new ArrayList<>(processors); return this; }
        public Builder triggers(List<TriggerDefinition> triggers) { this.triggers = new ArrayList<>(triggers); return this; }
        public Builder processor(ProcessorDefinition processor) { this.processors.add(processor); return this; }
        public Builder trigger(TriggerDefinition trigger) { this.triggers.add(trigger); return this; }

        public FlowDefinition build() {
            return new FlowDefinition(id, name, description, active, lastUpdated, processors, triggers);
        }
    }
}
