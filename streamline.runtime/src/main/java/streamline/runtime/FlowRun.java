package streamline.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.cron.support.CronSchedule;
import streamline.api.processor.Processor;
import streamline.api.processor.TriggerProcessor;

/**
 * One activation of one version of a flow: its definition and graph, one processor instance per
 * processor and per trigger, and its sessions. A changed definition makes a new run; the old one
 * is retired: its triggers stop, its sessions finish on the definition they started with, and its
 * instances are closed when the last of them ends.
 */
final class FlowRun {

    /** The instance behind one processor of the flow; empty while no provider of its type is present. */
    static final class ProcessorSlot {
        final ProcessorDefinition definition;
        final EngineContexts.Base context;
        volatile Processor instance;
        volatile ProcessorRegistry.Provider<Processor> provider;
        /** Changes whenever the instance is taken away, so a step can tell its failure came from that. */
        final AtomicInteger generation = new AtomicInteger();

        ProcessorSlot(ProcessorDefinition definition, EngineContexts.Base context) {
            this.definition = definition;
            this.context = context;
        }

        boolean available() {
            return !definition.enabled() || instance != null;
        }
    }

    /** The instance and call state of one trigger of the flow. */
    static final class TriggerSlot {
        final TriggerDefinition definition;
        final EngineContexts.Base context;
        final CronSchedule cron;
        volatile TriggerProcessor instance;
        volatile ProcessorRegistry.Provider<TriggerProcessor> provider;
        final AtomicBoolean busy = new AtomicBoolean();
        volatile int failures;
        volatile long backoffUntilNanos;
        volatile Future<?> scheduled;

        TriggerSlot(TriggerDefinition definition, EngineContexts.Base context, CronSchedule cron) {
            this.definition = definition;
            this.context = context;
            this.cron = cron;
        }

        boolean available() {
            return !definition.enabled() || instance != null;
        }
    }

    final FlowDefinition definition;
    final FlowGraph graph;
    final Map<UUID, ProcessorSlot> processors = new LinkedHashMap<>();
    final Map<UUID, TriggerSlot> triggers = new LinkedHashMap<>();
    /** Sessions of this run in progress. */
    final AtomicInteger sessions = new AtomicInteger();
    /** Steps waiting for a provider of their processor's type to come back. */
    final Queue<Runnable> parked = new ConcurrentLinkedQueue<>();
    volatile boolean retired;
    volatile boolean triggersStarted;
    volatile boolean closed;

    FlowRun(FlowDefinition definition, FlowGraph graph) {
        this.definition = definition;
        this.graph = graph;
    }

    UUID id() {
        return definition.id();
    }

    String name() {
        return definition.name();
    }

    /** Whether every enabled processor and trigger has an instance. */
    boolean ready() {
        return processors.values().stream().allMatch(ProcessorSlot::available)
                && triggers.values().stream().allMatch(TriggerSlot::available);
    }

    /** The types this run waits for, for messages. */
    List<String> missingTypes() {
        List<String> missing = new ArrayList<>();
        processors.values().stream().filter(slot -> !slot.available()).forEach(slot -> missing.add(slot.definition.type()));
        triggers.values().stream().filter(slot -> !slot.available()).forEach(slot -> missing.add(slot.definition.type()));
        return missing;
    }

    @Override
    public String toString() {
        return "flow " + definition.name() + " (" + definition.id() + ", version of " + definition.lastUpdated() + ")";
    }
}
