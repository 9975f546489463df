package streamline.runtime.osgi;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

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
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.ContentSource;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorTypes;
import streamline.api.processor.TriggerProcessor;
import streamline.api.track.BranchTracker;
import streamline.api.wal.WriteAheadLog;
import streamline.config.support.ConfigList;
import streamline.config.support.ConfigRefused;

import streamline.runtime.engine.EngineOptions;
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
 *
 * <p>This class checks the configuration and hands the services it is bound to over; the engine it runs, and its
 * starts, restarts and waits, are {@link RunningEngine}'s. It is also the {@link ProcessorTypes} service: the
 * processor types its registry holds and what each declares.
 */
// a stable component name (scr:list, the shell, Config Admin tooling), independent of the class's package
@Component(name = "streamline.runtime.EngineComponent", service = { Engine.class, ProcessorTypes.class }, configurationPid = "streamline.runtime",
        immediate = true)
@Designate(ocd = RuntimeConfig.class)
public class EngineComponent implements Engine, ProcessorTypes {

    private static final Logger LOG = LogManager.getLogger(EngineComponent.class);

    private final ProcessorRegistry registry = new ProcessorRegistry();
    private final Map<Long, ProcessorRegistry.Provider<?>> providers = new ConcurrentHashMap<>();
    private final PresentServices present = new PresentServices();
    private final RunningEngine engine = new RunningEngine(() -> this.tracker, registry, present);
    private String home;
    private volatile BundleContext bundleContext;

    @Reference
    private BranchTracker tracker;

    @Activate
    void activate(BundleContext context, RuntimeConfig config, Map<String, Object> properties) {
        bundleContext = context;
        home = StreamlineHome.of(context::getProperty);
        EngineOptions options = accepted(config, properties, "the engine does not start until the value is corrected");
        if (options != null) {
            engine.start(options);
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
            engine.refused(e.getMessage());
            return null;
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
        EngineOptions options = accepted(config, properties, engine.runs()
                ? "the engine keeps running with its current configuration" : "the engine stays stopped until the value is corrected");
        if (options != null) {
            engine.reconfigure(options);
        }
    }

    @Deactivate
    void deactivate() {
        engine.stop();
    }

    // ------------------------------------------------------------ write-ahead log

    @Reference(name = "wal", policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindWal(WriteAheadLog service, Map<String, Object> properties) {
        engine.walBound(PresentServices.named(service, properties, WriteAheadLog.TYPE_PROPERTY), this::frameworkStopping);
    }

    void unbindWal(WriteAheadLog log) {
        engine.walUnbound(log);
    }

    /** Every log present, whichever is selected: where the engine finds the one it used last. */
    @Reference(name = "presentWal", service = WriteAheadLog.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removePresentWal")
    void addPresentWal(ComponentServiceObjects<WriteAheadLog> log, Map<String, Object> properties) {
        present.addWal(log, properties);
        engine.startIfWaiting();
        engine.walPresent(PresentServices.name(properties, WriteAheadLog.TYPE_PROPERTY));
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
        engine.flowStoreBound(PresentServices.named(service, properties, FlowManager.TYPE_PROPERTY));
    }

    void unbindFlowManager(FlowManager flows) {
        engine.flowStoreUnbound(flows);
    }

    /** Every flow store present, whichever is selected: where the engine finds the one it used last. */
    @Reference(name = "presentFlowStore", service = FlowManager.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removePresentFlowStore")
    void addPresentFlowStore(ComponentServiceObjects<FlowManager> store, Map<String, Object> properties) {
        present.addFlowStore(store, properties);
        engine.startIfWaiting();
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
        engine.addListener(listener);
    }

    void removeListener(SessionListener listener) {
        engine.removeListener(listener);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCoordinator(TriggerCoordinator newCoordinator) {
        engine.coordinatorBound(newCoordinator);
    }

    void unbindCoordinator(TriggerCoordinator old) {
        engine.coordinatorUnbound(old);
    }

    // ------------------------------------------------------------ Engine

    @Override
    public UUID submit(UUID flowId, FlowObject item, ContentSource content) throws EngineException {
        return engine.running().submit(flowId, item, content);
    }

    @Override
    public List<SessionInfo> sessionsInProgress() {
        StreamlineEngine current = engine.current();
        return current == null ? List.of() : current.sessionsInProgress();
    }

    @Override
    public Optional<String> notRunning() {
        String reason = engine.notRunning();
        return reason.isEmpty() ? Optional.empty() : Optional.of(reason);
    }

    @Override
    public List<SessionInfo> failedSessions() {
        StreamlineEngine current = engine.current();
        return current == null ? List.of() : current.failedSessions();
    }

    @Override
    public List<WaitingSessions> waitingSessions() {
        StreamlineEngine current = engine.current();
        return current == null ? List.of() : current.waitingSessions();
    }

    @Override
    public UUID retryFailed(UUID failedSessionId) throws EngineException {
        return engine.running().retryFailed(failedSessionId);
    }

    @Override
    public void discardFailed(UUID failedSessionId) throws EngineException {
        engine.running().discardFailed(failedSessionId);
    }

    /** The processor types provided now and what each declares (whatever saves a flow checks it here first). */
    @Override
    public List<ProcessorType> types() {
        return registry.types().types();
    }

    @Override
    public List<String> check(FlowDefinition flow) throws InvalidFlowException {
        return registry.types().check(flow);
    }

}
