package streamline.flow.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.engine.Engine;
import streamline.api.engine.StreamlineHome;
import streamline.api.flow.FlowManager;

/**
 * Keeps a flow store in step with the folder of flow files ({@link FlowFolder} says how), checking
 * it on one thread this component owns.
 *
 * <p>The store is the one the engine uses: the best-ranked flow store matching the engine's
 * {@code flowManager.target} (a service property of the engine, from its configuration), so a switch
 * of the engine's store moves the files' flows with it. A {@code flowManager.target} in this
 * component's own configuration takes precedence.
 */
@Component(service = {}, configurationPid = "streamline.flow.files", immediate = true)
@Designate(ocd = FlowFilesConfig.class)
public class FlowFolderComponent {

    private static final Logger LOG = LogManager.getLogger(FlowFolderComponent.class);
    private static final String TARGET = "flowManager.target";
    private static final String ANY_STORE = "(" + FlowManager.TYPE_PROPERTY + "=*)";

    private final Map<ServiceReference<FlowManager>, FlowManager> stores = new ConcurrentHashMap<>();
    /** The filter of this component's own configuration, or null to follow the engine's. */
    private volatile String ownTarget;
    private volatile String engineTarget = ANY_STORE;
    private FlowManager lastStore;
    private Path directory;
    private FlowFolder folder;
    private ScheduledExecutorService poller;

    @Activate
    void activate(BundleContext context, FlowFilesConfig config, Map<String, Object> properties) throws IOException {
        ownTarget = properties.get(TARGET) instanceof String target && !target.isBlank() ? target : null;
        directory = Path.of(config.directory());
        String home = StreamlineHome.of(context::getProperty);
        if (!directory.isAbsolute() && home != null && !home.isBlank()) {
            directory = Path.of(home).resolve(directory);
        }
        Files.createDirectories(directory);
        folder = new FlowFolder(directory, config.max_file_bytes());
        poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "streamline-flow-files");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::scanSafely, 0, config.poll_interval_ms(), TimeUnit.MILLISECONDS);
        LOG.info("loading flow files from {}", directory);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        poller.shutdownNow();
        poller.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Reference(service = FlowManager.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            unbind = "removeStore")
    void addStore(ServiceReference<FlowManager> reference, FlowManager store) {
        stores.put(reference, store);
    }

    void removeStore(ServiceReference<FlowManager> reference) {
        stores.remove(reference);
    }

    @Reference(service = Engine.class, cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            unbind = "unbindEngine", updated = "bindEngine")
    void bindEngine(Map<String, Object> properties) {
        engineTarget = properties.get(TARGET) instanceof String target && !target.isBlank() ? target : ANY_STORE;
    }

    void unbindEngine(Map<String, Object> properties) {
        // the engine's last choice stays: the files keep feeding the store it used
    }

    /** The best-ranked store matching the filter in force, or null if none (or the filter is invalid, which is reported). */
    private FlowManager selectedStore() {
        String target = ownTarget != null ? ownTarget : engineTarget;
        Filter filter;
        try {
            filter = FrameworkUtil.createFilter(target);
        } catch (InvalidSyntaxException e) {
            LOG.error("flowManager.target '{}' is not a valid filter: {}", target, e.getMessage());
            return null;
        }
        ServiceReference<FlowManager> best = null;
        for (ServiceReference<FlowManager> reference : stores.keySet()) {
            if (filter.match(reference) && (best == null || reference.compareTo(best) > 0)) {
                best = reference;
            }
        }
        return best == null ? null : stores.get(best);
    }

    private void scanSafely() {
        try {
            FlowManager store = selectedStore();
            if (store == null) {
                return;
            }
            if (store != lastStore) {
                LOG.info("flow files from {} go to flow store {}", directory, store);
                lastStore = store;
            }
            folder.scan(store);
        } catch (Throwable e) {
            // a periodic task that throws is never run again: report, and check the folder again next time
            LOG.error("cannot read the flow folder {}: {}", directory, e.toString());
        }
    }
}
