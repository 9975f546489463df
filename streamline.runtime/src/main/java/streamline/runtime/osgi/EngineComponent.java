package streamline.runtime.osgi;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.annotations.ReferenceScope;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.engine.Engine;
import streamline.api.engine.EngineException;
import streamline.api.engine.SessionInfo;
import streamline.api.engine.WaitingSessions;
import streamline.api.engine.SessionListener;
import streamline.api.engine.StreamlineHome;
import streamline.api.engine.TriggerCoordinator;
import streamline.api.flow.FlowManager;
import streamline.api.processor.ContentSource;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.TriggerProcessor;
import streamline.api.track.BranchTracker;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.config.support.ConfigList;
import streamline.config.support.ConfigRefused;

import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.Named;
import streamline.runtime.engine.PreviousUnavailableException;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;

/**
 * The engine as a service, PID {@code streamline.runtime}. It follows the best write-ahead log and
 * flow store that match {@code wal.target} and {@code flowManager.target} (dynamic, greedy), and
 * swaps them while running; processors and triggers come from prototype-scoped services of any
 * bundle. A changed configuration other than the targets restarts the engine on the same log:
 * running steps finish, and sessions resume after the restart.
 *
 * <p>The engine records which log and store it used last. Started on others (a target changed while it
 * was down, or a configuration change that recreated this component), it carries their sessions and
 * flows over first; while one of them is not present it does not start, says which one it waits for,
 * and starts as soon as that one is registered (or the {@code abandon} configuration names it).
 */
// a stable component name (scr:list, the shell, Config Admin tooling), independent of the class's package
@Component(name = "streamline.runtime.EngineComponent", service = Engine.class, configurationPid = "streamline.runtime", immediate = true)
@Designate(ocd = RuntimeConfig.class)
public class EngineComponent implements Engine {

    private static final Logger LOG = LogManager.getLogger(EngineComponent.class);

    private final ProcessorRegistry registry = new ProcessorRegistry();
    private final Map<Long, ProcessorRegistry.Provider<?>> providers = new ConcurrentHashMap<>();
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private String home;
    private BundleContext bundleContext;

    @Reference
    private BranchTracker tracker;

    private Named<WriteAheadLog> boundWal;
    private Named<FlowManager> boundFlows;
    private final PresentServices present = new PresentServices();
    /** The options of an engine that waits for the log or store it used last; null when none waits. */
    private EngineOptions waiting;
    private volatile String waitingFor = "";
    /** Why no engine runs (refused configuration, failed start, waiting), for {@link #notRunning()}. */
    private volatile String notRunning = "";
    private volatile TriggerCoordinator coordinator;
    private volatile StreamlineEngine engine;

    @Activate
    void activate(BundleContext context, RuntimeConfig config, Map<String, Object> properties) {
        synchronized (lock) {
            bundleContext = context;
            home = StreamlineHome.of(context::getProperty);
            EngineOptions options = accepted(config, properties, "the engine does not start until the value is corrected");
            if (options != null) {
                engine = startOrReport(options);
            }
        }
    }

    /**
     * Checks a configuration whole (values, ranges, filters, the work directory) before anything is stopped.
     *
     * @return its options, or null if refused: the refusal is logged with PID, key, value and rule
     */
    private EngineOptions accepted(RuntimeConfig config, Map<String, Object> properties, String consequence) {
        try {
            EngineOptions options = ConfiguredOptions.accepted(config, properties, home);
            present.abandon(ConfigList.split(config.abandon()));
            return options;
        } catch (ConfigRefused e) {
            LOG.error("{}; {}", e.getMessage(), consequence);
            if (engine == null) {
                notRunning = e.getMessage();
            }
            return null;
        }
    }

    /** Starts an engine; a start that fails is logged and leaves none. */
    private StreamlineEngine startOrReport(EngineOptions options) {
        try {
            return startEngine(options);
        } catch (IOException | WriteAheadLogException | RuntimeException e) {
            LOG.error("the engine could not start (configuration {}, work directory {}): {}", ConfiguredOptions.PID, options.workDirectory(),
                    e.toString(), e);
            notRunning = "the engine could not start: " + e;
            return null;
        }
    }

    /** @return the started engine, or null if it waits for the log or store it used last */
    private StreamlineEngine startEngine(EngineOptions options) throws IOException, WriteAheadLogException {
        waiting = null;
        waitingFor = "";
        StreamlineEngine started = new StreamlineEngine(options, tracker, registry);
        listeners.forEach(started::addListener);
        started.setCoordinator(coordinator);
        try {
            started.start(boundWal, boundFlows, present.known());
        } catch (PreviousUnavailableException e) {
            started.stop();
            waiting = options;
            waitingFor = e.name();
            notRunning = "the engine waits for '" + e.name() + "', the write-ahead log or flow store it used last";
            LOG.warn("engine not started: {}", e.getMessage());
            return null;
        } catch (IOException | WriteAheadLogException | RuntimeException e) {
            started.stop();
            throw e;
        }
        notRunning = "";
        LOG.info("engine started: work directory {}, {} workers", options.workDirectory(), options.workers());
        return started;
    }

    /** A log or store was registered: if the engine waits for it, it starts now. */
    private void startIfWaiting() {
        synchronized (lock) {
            if (waiting == null || engine != null || boundWal == null || boundFlows == null) {
                return;
            }
            engine = startOrReport(waiting);
        }
    }

    /**
     * A new configuration: checked whole first, so that a refused one leaves the running engine running; an
     * accepted one restarts the engine on it (unless only targets or abandoned names changed). If the new
     * engine cannot start, the previous configuration's engine starts again, and the next configuration is
     * tried whatever it is.
     */
    @Modified
    void modified(RuntimeConfig config, Map<String, Object> properties) {
        synchronized (lock) {
            StreamlineEngine running = engine;
            EngineOptions options = accepted(config, properties, running != null
                    ? "the engine keeps running with its current configuration" : "the engine stays stopped until the value is corrected");
            if (options == null) {
                return;
            }
            if (running != null && running.options().equals(options)) {
                return; // only targets or abandoned names changed: the references follow them
            }
            if (running == null) {
                engine = startOrReport(options);
                return;
            }
            engine = null;
            running.stop();
            engine = startOrReport(options);
            if (engine == null && waiting == null) {
                LOG.error("configuration {} not applied: the engine starts again with its previous configuration", ConfiguredOptions.PID);
                String reason = notRunning;
                engine = startOrReport(running.options());
                if (engine != null) {
                    notRunning = "";
                    LOG.info("the engine runs with its previous configuration; the refused one: {}", reason);
                }
            }
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            waiting = null;
            if (engine != null) {
                engine.stop();
                engine = null;
            }
            notRunning = "the engine is stopped";
        }
    }

    // ------------------------------------------------------------ write-ahead log

    @Reference(name = "wal", policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindWal(WriteAheadLog service, Map<String, Object> properties) {
        Named<WriteAheadLog> log = PresentServices.named(service, properties, WriteAheadLog.TYPE_PROPERTY);
        synchronized (lock) {
            boundWal = log;
            if (engine == null) {
                startIfWaiting();
                return;
            }
            if (engine != null && frameworkStopping()) {
                // a log leaving because the framework stops is not a swap: moving the sessions into another log that
                // is about to stop too would only strand them there; they stay where they are for the next start
                LOG.info("the framework is stopping: not moving sessions to another write-ahead log");
                return;
            }
            if (engine != null) {
                try {
                    engine.swapWal(log);
                } catch (WriteAheadLogException | RuntimeException e) {
                    LOG.error("cannot move the engine to the newly selected write-ahead log; it stays on the previous one: {}",
                            e.getMessage());
                }
            }
        }
    }

    void unbindWal(WriteAheadLog log) {
        synchronized (lock) {
            if (engine != null) {
                engine.detachWal(log);
            }
            if (boundWal != null && boundWal.service() == log) {
                boundWal = null;
            }
        }
    }

    /** Every log present, whichever is selected: where the engine finds the one it used last. */
    @Reference(name = "presentWal", service = WriteAheadLog.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removePresentWal")
    void addPresentWal(ComponentServiceObjects<WriteAheadLog> log, Map<String, Object> properties) {
        present.addWal(log, properties);
        startIfWaiting();
    }

    void removePresentWal(ComponentServiceObjects<WriteAheadLog> log, Map<String, Object> properties) {
        present.removeWal(log, properties);
    }

    private boolean frameworkStopping() {
        BundleContext current = bundleContext;
        if (current == null) {
            return false;
        }
        try {
            Bundle system = current.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
            return system == null || system.getState() == Bundle.STOPPING
                    || current.getBundle().getState() == Bundle.STOPPING;
        } catch (IllegalStateException e) {
            return true; // our context is no longer valid
        }
    }

    // ------------------------------------------------------------ flow store

    @Reference(name = "flowManager", policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindFlowManager(FlowManager service, Map<String, Object> properties) {
        Named<FlowManager> flows = PresentServices.named(service, properties, FlowManager.TYPE_PROPERTY);
        synchronized (lock) {
            boundFlows = flows;
            if (engine != null) {
                engine.setFlowManager(flows);
            } else {
                startIfWaiting();
            }
        }
    }

    void unbindFlowManager(FlowManager flows) {
        synchronized (lock) {
            if (boundFlows != null && boundFlows.service() == flows) {
                boundFlows = null;
            }
        }
    }

    /** Every flow store present, whichever is selected: where the engine finds the one it used last. */
    @Reference(name = "presentFlowStore", service = FlowManager.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removePresentFlowStore")
    void addPresentFlowStore(ComponentServiceObjects<FlowManager> store, Map<String, Object> properties) {
        present.addFlowStore(store, properties);
        startIfWaiting();
    }

    void removePresentFlowStore(ComponentServiceObjects<FlowManager> store, Map<String, Object> properties) {
        present.removeFlowStore(store, properties);
    }

    // ------------------------------------------------------------ processors

    @Reference(service = Processor.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            scope = ReferenceScope.PROTOTYPE_REQUIRED)
    void addProcessor(ComponentServiceObjects<Processor> objects, Map<String, Object> properties) {
        ServiceProvider<Processor> provider = ServiceProvider.of(objects, properties);
        if (provider != null) {
            providers.put(provider.serviceId(), provider);
            registry.addProcessor(provider);
        }
    }

    @SuppressWarnings("unchecked")
    void removeProcessor(ComponentServiceObjects<Processor> objects, Map<String, Object> properties) {
        ProcessorRegistry.Provider<?> provider = providers.remove(ServiceProvider.serviceId(properties));
        if (provider != null) {
            registry.removeProcessor((ProcessorRegistry.Provider<Processor>) provider);
        }
    }

    @Reference(service = TriggerProcessor.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            scope = ReferenceScope.PROTOTYPE_REQUIRED)
    void addTrigger(ComponentServiceObjects<TriggerProcessor> objects, Map<String, Object> properties) {
        ServiceProvider<TriggerProcessor> provider = ServiceProvider.of(objects, properties);
        if (provider != null) {
            providers.put(provider.serviceId(), provider);
            registry.addTrigger(provider);
        }
    }

    @SuppressWarnings("unchecked")
    void removeTrigger(ComponentServiceObjects<TriggerProcessor> objects, Map<String, Object> properties) {
        ProcessorRegistry.Provider<?> provider = providers.remove(ServiceProvider.serviceId(properties));
        if (provider != null) {
            registry.removeTrigger((ProcessorRegistry.Provider<TriggerProcessor>) provider);
        }
    }

    /**
     * A processor or trigger service that is not prototype-scoped cannot give each processor of a flow
     * its own instance, so the engine does not use it; say so, rather than leave its type silently missing.
     */
    @Reference(service = Processor.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(!(service.scope=prototype))", unbind = "unbindMisscopedProcessor")
    void misscopedProcessor(ServiceReference<Processor> reference) {
        warnMisscoped(reference);
    }

    void unbindMisscopedProcessor(ServiceReference<Processor> reference) {
        // nothing was taken from it
    }

    @Reference(service = TriggerProcessor.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(!(service.scope=prototype))", unbind = "unbindMisscopedTrigger")
    void misscopedTrigger(ServiceReference<TriggerProcessor> reference) {
        warnMisscoped(reference);
    }

    void unbindMisscopedTrigger(ServiceReference<TriggerProcessor> reference) {
        // nothing was taken from it
    }

    private static void warnMisscoped(ServiceReference<?> reference) {
        LOG.warn("ignoring processor service {} of type {} from bundle {}: it is {}-scoped; register it prototype-scoped"
                + " (@Component(scope = ServiceScope.PROTOTYPE)) so that every processor of a flow gets its own instance",
                reference.getProperty(Constants.SERVICE_ID), reference.getProperty(Processor.TYPE_PROPERTY),
                reference.getBundle() == null ? "?" : reference.getBundle().getSymbolicName(),
                reference.getProperty(Constants.SERVICE_SCOPE));
    }

    // ------------------------------------------------------------ listeners and coordinator

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(SessionListener listener) {
        // under the lock: an engine restarted by a configuration change at this moment must not miss it
        synchronized (lock) {
            listeners.add(listener);
            if (engine != null) {
                engine.addListener(listener);
            }
        }
    }

    void removeListener(SessionListener listener) {
        synchronized (lock) {
            listeners.remove(listener);
            if (engine != null) {
                engine.removeListener(listener);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCoordinator(TriggerCoordinator newCoordinator) {
        synchronized (lock) {
            coordinator = newCoordinator;
            if (engine != null) {
                engine.setCoordinator(newCoordinator);
            }
        }
    }

    void unbindCoordinator(TriggerCoordinator old) {
        synchronized (lock) {
            if (coordinator == old) {
                coordinator = null;
                if (engine != null) {
                    engine.setCoordinator(null);
                }
            }
        }
    }

    // ------------------------------------------------------------ Engine

    private StreamlineEngine running() throws EngineException {
        StreamlineEngine current = engine;
        if (current == null) {
            String awaited = waitingFor;
            throw new EngineException(awaited.isEmpty() ? "the engine is not running"
                    : "the engine is not running: it waits for '" + awaited + "', the write-ahead log or flow store it used last");
        }
        return current;
    }

    @Override
    public UUID submit(UUID flowId, FlowObject item, ContentSource content) throws EngineException {
        return running().submit(flowId, item, content);
    }

    @Override
    public List<SessionInfo> sessionsInProgress() {
        StreamlineEngine current = engine;
        return current == null ? List.of() : current.sessionsInProgress();
    }

    @Override
    public Optional<String> notRunning() {
        return engine != null ? Optional.empty() : Optional.of(notRunning.isEmpty() ? "the engine is not running" : notRunning);
    }

    @Override
    public List<SessionInfo> failedSessions() {
        StreamlineEngine current = engine;
        return current == null ? List.of() : current.failedSessions();
    }

    @Override
    public List<WaitingSessions> waitingSessions() {
        StreamlineEngine current = engine;
        return current == null ? List.of() : current.waitingSessions();
    }

    @Override
    public UUID retryFailed(UUID failedSessionId) throws EngineException {
        return running().retryFailed(failedSessionId);
    }

    @Override
    public void discardFailed(UUID failedSessionId) throws EngineException {
        running().discardFailed(failedSessionId);
    }
}
