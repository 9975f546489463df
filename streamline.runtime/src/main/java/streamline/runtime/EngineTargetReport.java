package streamline.runtime;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import streamline.api.flow.FlowManager;
import streamline.api.wal.WriteAheadLog;
import streamline.config.support.ConfigReader;
import streamline.config.support.ConfigRefused;

/**
 * Says in the log what the engine's reference targets select, whenever its configuration changes and at
 * start. A {@code wal.target} or {@code flowManager.target} that is malformed or matches nothing leaves
 * SCR unable to bind the engine, which then stops (its unfinished sessions kept) without a word of why:
 * this names the key, the filter and what is present, so the operator can correct it.
 */
@Component(service = ConfigurationListener.class, immediate = true)
public class EngineTargetReport implements ConfigurationListener {

    private static final Logger LOG = LogManager.getLogger(EngineTargetReport.class);

    private BundleContext context;

    @Reference
    private ConfigurationAdmin admin;

    @Activate
    void activate(BundleContext bundleContext) {
        context = bundleContext;
        check();
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (EngineOptions.PID.equals(event.getPid()) && event.getType() != ConfigurationEvent.CM_LOCATION_CHANGED) {
            check();
        }
    }

    private void check() {
        Dictionary<String, Object> properties = null;
        try {
            Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + EngineOptions.PID + ")");
            if (found != null && found.length > 0) {
                properties = found[0].getProperties();
            }
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            LOG.debug("cannot read configuration {}: {}", EngineOptions.PID, e.toString());
            return;
        }
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
        try {
            ConfigReader.checkFilter(EngineOptions.PID, key, filter);
        } catch (ConfigRefused e) {
            LOG.error("{}; the engine cannot bind a {} (its reference '{}' stays unsatisfied, the engine stops, its unfinished sessions"
                    + " are kept and resume once the filter is corrected); present: {}", e.getMessage(), what, referenceName(key), present);
            return;
        }
        ServiceReference<?>[] matching;
        try {
            matching = context.getServiceReferences(service.getName(), filter);
        } catch (InvalidSyntaxException e) {
            return; // checked above
        } catch (IllegalStateException e) {
            return; // stopping
        }
        if (matching == null || matching.length == 0) {
            LOG.error("configuration {}: {}={} matches no {}; the engine waits for one on its reference '{}' (it stops, its unfinished"
                    + " sessions are kept and resume once one matches); present: {}", EngineOptions.PID, key, filter, what,
                    referenceName(key), present);
        } else {
            LOG.info("configuration {}: {}={} selects {} from {}", EngineOptions.PID, key, filter, describe(highest(matching), typeProperty),
                    present);
        }
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
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    static String describe(ServiceReference<?> reference, String typeProperty) {
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        return "(" + typeProperty + "=" + reference.getProperty(typeProperty) + ") ranking " + (ranking == null ? 0 : ranking);
    }
}
