package streamline.runtime.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.ConfigDescription;
import streamline.api.processor.Processor;
import streamline.api.processor.TriggerProcessor;
import streamline.cron.support.CronSchedule;

/**
 * One activation of one version of a flow: its definition and graph, one processor instance per
 * processor and per trigger, and its sessions. A changed definition makes a new run; the old one
 * is retired: its triggers stop, its sessions finish on the definition they started with, and its
 * instances are closed when the last of them ends.
 */
final class FlowRun {

    private static final Logger LOG = LogManager.getLogger(FlowRun.class);

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

    /** A session's end, to be told to its trigger. */
    record EndToTell(SessionRun session, String error) {
    }

    /**
     * The calls of one trigger and the ends told to it, whichever version's instance makes or hears them: the versions
     * of a flow share it (a retired version's instance hears of its sessions' ends while the new version's calls), so
     * that no end is told, and its item's mark released, during a call of any of them.
     */
    static final class TriggerLine {
        /** Held through a call (its items started, their outcomes told): the ends of sessions are told between calls. */
        final ReentrantLock calling = new ReentrantLock();
        /** Ends of sessions waiting to be told while a call is in progress. */
        final Queue<EndToTell> endsToTell = new ConcurrentLinkedQueue<>();
    }

    /** The instance and call state of one trigger of the flow. */
    static final class TriggerSlot {
        final TriggerDefinition definition;
        final EngineContexts.Base context;
        final CronSchedule cron;
        volatile TriggerProcessor instance;
        volatile ProcessorRegistry.Provider<TriggerProcessor> provider;
        final AtomicBoolean busy = new AtomicBoolean();
        /** The event loop calling the trigger: a stop or start of the run's triggers begins a new one, and ends the old. */
        final AtomicInteger loops = new AtomicInteger();
        /** The line's lock: held through a call of any version's instance of this trigger. */
        final ReentrantLock calling;
        /** The line's ends waiting to be told while a call is in progress. */
        final Queue<EndToTell> endsToTell;
        volatile int failures;
        volatile long backoffUntilNanos;
        volatile Future<?> scheduled;
        /** An event trigger's pause after its last empty call; grows while calls bring nothing. */
        volatile long idleNanos;

        TriggerSlot(TriggerDefinition definition, EngineContexts.Base context, CronSchedule cron, TriggerLine line) {
            this.definition = definition;
            this.context = context;
            this.cron = cron;
            this.calling = line.calling;
            this.endsToTell = line.endsToTell;
        }

        boolean available() {
            return !definition.enabled() || instance != null;
        }
    }

    /** Replaced only by the same definition saved again ({@link #resaved}). */
    volatile FlowDefinition definition;
    final FlowGraph graph;
    /** Its version ({@link FlowVersions}): the sessions it starts name it in the log. */
    final String version;
    /**
     * Built after a restart for sessions that started on this version, which the flow no longer has: retired from the
     * start (its triggers are never called), it admits only those sessions and closes with the last of them.
     */
    final boolean forRecovery;
    final Map<UUID, ProcessorSlot> processors = new LinkedHashMap<>();
    final Map<UUID, TriggerSlot> triggers = new LinkedHashMap<>();
    /** Sessions of this run in progress. */
    final AtomicInteger sessions = new AtomicInteger();
    /** Steps waiting for a provider of their processor's type to come back. */
    final Queue<Runnable> parked = new ConcurrentLinkedQueue<>();
    /** Set under this run's monitor (with the session count read), so that no session is admitted once it is set. */
    volatile boolean retired;
    volatile boolean triggersStarted;
    volatile boolean closed;
    /** Guarded by this: trigger calls in progress, and whether the instances are released when the last returns. */
    private int callsInProgress;
    private boolean releaseAfterCalls;

    FlowRun(FlowDefinition definition, FlowGraph graph, String version, boolean forRecovery) {
        this.definition = definition;
        this.graph = graph;
        this.version = version;
        this.forRecovery = forRecovery;
        this.retired = forRecovery;
    }

    /**
     * A trigger call of this run begins; none does once the run is retired or closed. Its instances stay until every
     * call that began returned ({@link #exitCall}).
     */
    synchronized boolean enterCall() {
        if (retired || closed) {
            return false;
        }
        callsInProgress++;
        return true;
    }

    /** A trigger call returned (its items answered): the last one out of a closed run releases its instances. */
    void exitCall() {
        boolean release;
        synchronized (this) {
            release = --callsInProgress == 0 && releaseAfterCalls;
            releaseAfterCalls &= !release;
        }
        if (release) {
            releaseInstances();
        }
    }

    /**
     * Admits a new session, counted on this run; refused once the run is retired (a trigger call that returned
     * after its flow was re-activated or deactivated: its items are not started on a run whose instances go).
     */
    synchronized boolean admit() {
        if (retired) {
            return false;
        }
        sessions.incrementAndGet();
        return true;
    }

    /**
     * Admits a recovered session of this run's version, retired or not; refused once the run is closed. Called under
     * the flow lock, under which a retired run closes only while it has no session ({@link FlowActivation#closeIdle}).
     */
    synchronized boolean admitRecovered() {
        if (closed) {
            return false;
        }
        sessions.incrementAndGet();
        return true;
    }

    /**
     * Retires the run: no session is admitted from now on.
     *
     * @return whether it has no session in progress (it can close now)
     */
    synchronized boolean retire() {
        retired = true;
        return sessions.get() == 0;
    }

    /**
     * Checks the configuration against what the instance's class declares, before its init: a processor never sees a
     * configuration its declaration refuses; the context then gives the values by alias and with defaults.
     *
     * @throws IllegalStateException naming flow, processor and key of every mistake, or the wrong declaration
     */
    private static void checkDeclared(ProcessorRegistry.Provider<?> provider, Object instance, EngineContexts.Base context,
            DeclaredConfigurations declared) {
        Optional<ConfigDescription> description;
        try {
            description = declared.of(provider, instance);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("processor " + context.processorName() + " (type " + provider.type()
                    + ") cannot be checked: " + e.getMessage(), e);
        }
        if (description.isPresent()) {
            List<String> errors = description.get().errors(context.rawConfiguration());
            if (!errors.isEmpty()) {
                String where = (instance instanceof TriggerProcessor ? "trigger '" : "processor '") + context.processorName() + "' ("
                        + provider.type() + "): ";
                InvalidFlowException invalid = new InvalidFlowException(context.flowName(), errors.stream().map(where::concat).toList());
                throw new IllegalStateException(invalid.getMessage(), invalid);
            }
        }
        context.declare(description);
    }

    /** Closes and gives back every instance now, or when the trigger calls in progress returned. */
    void releaseInstancesAfterCalls() {
        synchronized (this) {
            if (callsInProgress > 0) {
                releaseAfterCalls = true;
                return;
            }
        }
        releaseInstances();
    }

    /** Runs the steps that waited for a provider (one is back). */
    void releaseParked() {
        Runnable waiting;
        while ((waiting = parked.poll()) != null) {
            waiting.run();
        }
    }

    /** The store holds this run's very definition under a newer save time (saved again, or carried into another store). */
    void resaved(FlowDefinition sameDefinition) {
        definition = sameDefinition;
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

    /**
     * Gives every enabled slot without an instance one from its type's best provider, initialized
     * with the slot's context.
     *
     * @throws IllegalStateException if a provider cannot make an instance or the instance refuses its configuration
     */
    void provideInstances(ProcessorRegistry registry) {
        for (ProcessorSlot slot : processors.values()) {
            if (slot.instance == null && slot.definition.enabled()) {
                Optional<ProcessorRegistry.Provider<Processor>> provider = registry.processor(slot.definition.type());
                if (provider.isPresent()) {
                    Processor instance = create(provider.get(), slot.context, registry.declared);
                    slot.provider = provider.get();
                    slot.instance = instance;
                }
            }
        }
        for (TriggerSlot slot : triggers.values()) {
            if (slot.instance == null && slot.definition.enabled()) {
                Optional<ProcessorRegistry.Provider<TriggerProcessor>> provider = registry.trigger(slot.definition.type());
                if (provider.isPresent()) {
                    TriggerProcessor instance = create(provider.get(), slot.context, registry.declared);
                    slot.provider = provider.get();
                    slot.instance = instance;
                }
            }
        }
    }

    private static <T> T create(ProcessorRegistry.Provider<T> provider, EngineContexts.Base context, DeclaredConfigurations declared) {
        T instance;
        try {
            instance = provider.create();
        } catch (RuntimeException e) {
            throw new IllegalStateException("the provider of type " + provider.type() + " could not make an instance for "
                    + context.processorName() + ": " + e, e);
        }
        if (instance == null) {
            throw new IllegalStateException("the provider of type " + provider.type() + " is gone");
        }
        try {
            checkDeclared(provider, instance, context, declared);
        } catch (RuntimeException | LinkageError e) {
            provider.release(instance);
            throw e;
        }
        try {
            if (instance instanceof Processor processor) {
                processor.init(context);
            } else if (instance instanceof TriggerProcessor trigger) {
                trigger.init(context);
            }
            return instance;
        } catch (Throwable e) {
            provider.release(instance);
            throw new IllegalStateException("processor " + context.processorName() + " (type " + provider.type()
                    + ") refused its configuration: " + e.getMessage(), e);
        }
    }

    /** Closes and gives back every instance (the run has stopped for good). */
    void releaseInstances() {
        for (ProcessorSlot slot : processors.values()) {
            release(slot.provider, slot.instance, slot.context.processorName());
            slot.instance = null;
        }
        for (TriggerSlot slot : triggers.values()) {
            release(slot.provider, slot.instance, slot.context.processorName());
            slot.instance = null;
        }
    }

    /**
     * A provider went away: drops the instances it made. A processor's steps then wait for another
     * provider (its generation changes, so a step running on the dropped instance is not counted as failed).
     *
     * @return whether a trigger lost its instance (the run's triggers must stop)
     */
    boolean dropInstancesOf(ProcessorRegistry.Provider<?> provider) {
        boolean triggerDropped = false;
        for (ProcessorSlot slot : processors.values()) {
            if (slot.provider == provider && slot.instance != null) {
                Processor instance = slot.instance;
                slot.instance = null;
                slot.generation.incrementAndGet();
                release(slot.provider, instance, slot.context.processorName());
                LOG.warn("{}: the provider of type {} went away; steps of processor {} wait for another", this,
                        slot.definition.type(), slot.definition.name());
            }
        }
        for (TriggerSlot slot : triggers.values()) {
            if (slot.provider == provider && slot.instance != null) {
                TriggerProcessor instance = slot.instance;
                slot.instance = null;
                triggerDropped = true;
                release(slot.provider, instance, slot.context.processorName());
                LOG.warn("{}: the provider of trigger type {} went away; the flow takes no new items until one is back", this,
                        slot.definition.type());
            }
        }
        return triggerDropped;
    }

    private static <T> void release(ProcessorRegistry.Provider<T> provider, T instance, String name) {
        if (instance == null) {
            return;
        }
        try {
            if (instance instanceof Processor processor) {
                processor.close();
            } else if (instance instanceof TriggerProcessor trigger) {
                trigger.close();
            }
        } catch (Throwable e) {
            LOG.warn("processor {} failed to close: {}", name, e.toString());
        }
        try {
            provider.release(instance);
        } catch (RuntimeException e) {
            LOG.debug("releasing processor {}: {}", name, e.toString());
        }
    }

    @Override
    public String toString() {
        return "flow " + definition.name() + " (" + definition.id() + ", version " + (version == null ? "" : version + " ") + "of "
                + definition.lastUpdated() + ")";
    }
}
