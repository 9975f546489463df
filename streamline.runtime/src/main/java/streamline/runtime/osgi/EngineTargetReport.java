package streamline.runtime.osgi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import streamline.api.flow.FlowManager;
import streamline.api.wal.WriteAheadLog;
import streamline.config.support.ConfigReader;
import streamline.config.support.ConfigRefused;

import streamline.runtime.engine.EngineOptions;

/**
 * Says in the log what the engine's reference targets select. A {@code wal.target} or {@code flowManager.target}
 * that is malformed or matches nothing leaves SCR unable to bind the engine, which then stops (its unfinished
 * sessions kept) without a word of why: this names the key, the filter and what is present, so the operator can
 * correct it. A malformed filter is reported at once; whether a filter matches is looked at once the logs and
 * stores have stopped coming and going for {@value #SETTLE_SECONDS} s (at start they register one by one, and
 * a filter would seem to match nothing until its service came).
 */
// a stable component name (scr:list, the shell, Config Admin tooling), independent of the class's package
@Component(name = "streamline.runtime.EngineTargetReport", service = ConfigurationListener.class, immediate = true)
public class EngineTargetReport implements ConfigurationListener {

    private static final Logger LOG = LogManager.getLogger(EngineTargetReport.class);
    static final long SETTLE_SECONDS = 5;

    private BundleContext context;
    /** The filter last reported as selecting a service, per key: said once, not at every service event. */
    private final Map<String, String> lastSelected = new ConcurrentHashMap<>();
    /** The filter and services present last reported as matching nothing, per key. */
    private final Map<String, String> lastMissing = new ConcurrentHashMap<>();
    private ScheduledExecutorService checks;
    private ScheduledFuture<?> pending;
    private final Object lock = new Object();

    @Reference
    private ConfigurationAdmin admin;

    private final ServiceListener servicesChanged = event -> later();

    @Activate
    void activate(BundleContext bundleContext) throws InvalidSyntaxException {
        context = bundleContext;
        checks = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "streamline-target-report");
            thread.setDaemon(true);
            return thread;
        });
        context.addServiceListener(servicesChanged, "(|(" + Constants.OBJECTCLASS + "=" + WriteAheadLog.class.getName() + ")("
                + Constants.OBJECTCLASS + "=" + FlowManager.class.getName() + "))");
        later();
    }

    @Deactivate
    void deactivate() {
        try {
            context.removeServiceListener(servicesChanged);
        } catch (IllegalStateException e) {
            // the bundle is stopping: the listener goes with it
        }
        checks.shutdownNow();
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (ConfiguredOptions.PID.equals(event.getPid()) && event.getType() != ConfigurationEvent.CM_LOCATION_CHANGED) {
            checkFilters();
            later();
        }
    }

    /** (Re)schedules the look at what the filters match, once services settled. */
    private void later() {
        synchronized (lock) {
            if (pending != null) {
                pending.cancel(false);
            }
            try {
                pending = checks.schedule(this::checkSafely, SETTLE_SECONDS, TimeUnit.SECONDS);
            } catch (RejectedExecutionException e) {
                // deactivated
            }
        }
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("cannot report on the engine's targets: {}", e.toString());
        }
    }

    /** Reports malformed filters only (no service needs to be registered for that). */
    private void checkFilters() {
        Dictionary<String, Object> properties = configuration();
        for (String key : new String[] { "wal.target", "flowManager.target" }) {
            Object configured = properties == null ? null : properties.get(key);
            if (configured != null) {
                try {
                    ConfigReader.checkFilter(ConfiguredOptions.PID, key, configured.toString());
                } catch (ConfigRefused e) {
                    LOG.error("{}; the engine cannot bind its reference '{}' (it stops, its unfinished sessions are kept and resume"
                            + " once the filter is corrected)", e.getMessage(), referenceName(key));
                }
            }
        }
    }

    private Dictionary<String, Object> configuration() {
        try {
            Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + ConfiguredOptions.PID + ")");
            return found != null && found.length > 0 ? found[0].getProperties() : null;
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            LOG.debug("cannot read configuration {}: {}", ConfiguredOptions.PID, e.toString());
            return null;
        }
    }

    private void check() {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        if (system == null || system.getState() == Bundle.STOPPING) {
            return; // services leave because the framework stops
        }
        Dictionary<String, Object> properties = configuration();
        report("wal.target", properties, WriteAheadLog.class, WriteAheadLog.TYPE_PROPERTY, "write-ahead log");
        report("flowManager.target", properties, FlowManager.class, FlowManager.TYPE_PROPERTY, "flow store");
    }

    private void report(String key, Dictionary<String, Object> properties, Class<?> service, String typeProperty, String what) {
        Object configured = properties == null ? null : properties.get(key);
        if (configured == null) {
            return; // the default selects any
        }
        String filter = configured.toString();
        String present = present(service, typeProperty);
        ServiceReference<?>[] matching;
        try {
            matching = context.getServiceReferences(service.getName(), filter);
        } catch (InvalidSyntaxException e) {
            return; // malformed: reported when configured
        } catch (IllegalStateException e) {
            return; // stopping
        }
        if (matching == null || matching.length == 0) {
            lastSelected.remove(key);
            if (noneRegistered(present) || (filter + " " + present).equals(lastMissing.put(key, filter + " " + present))) {
                return; // none registered at all: the framework starts or stops; or said already
            }
            LOG.error("configuration {}: {}={} matches no {}; the engine waits for one on its reference '{}' (it stops, its unfinished"
                    + " sessions are kept and resume once one matches); present: {}", ConfiguredOptions.PID, key, filter, what,
                    referenceName(key), present);
        } else if (lastMissing.remove(key) != null | !filter.equals(lastSelected.put(key, filter))) {
            LOG.info("configuration {}: {}={} selects {} from {}", ConfiguredOptions.PID, key, filter, describe(highest(matching), typeProperty),
                    present);
        }
    }

    private static boolean noneRegistered(String present) {
        return "none".equals(present);
    }

    private static String referenceName(String key) {
        return key.substring(0, key.length() - ".target".length());
    }

    private static ServiceReference<?> highest(ServiceReference<?>[] references) {
        ServiceReference<?> best = references[0];
        for (ServiceReference<?> reference : references) {
            if (reference.compareTo(best) > 0) {
                best = reference;
            }
        }
        return best;
    }

    /** The services of this kind registered now, by type and ranking. */
    String present(Class<?> service, String typeProperty) {
        List<String> names = new ArrayList<>();
        try {
            ServiceReference<?>[] all = context.getServiceReferences(service.getName(), null);
            if (all != null) {
                for (ServiceReference<?> reference : all) {
                    names.add(describe(reference, typeProperty));
                }
            }
        } catch (InvalidSyntaxException | IllegalStateException e) {
            // no filter given; or stopping
        }
        return names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList());
    }

    static String describe(ServiceReference<?> reference, String typeProperty) {
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        return "(" + typeProperty + "=" + reference.getProperty(typeProperty) + ") ranking " + (ranking == null ? 0 : ranking);
    }
}
