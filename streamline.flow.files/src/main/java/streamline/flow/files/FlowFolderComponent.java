package streamline.flow.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.engine.Engine;
import streamline.api.engine.StreamlineHome;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.ProcessorTypes;
import streamline.config.support.ConfigReader;
import streamline.config.support.ConfigRefused;

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
    private static final String PID = "streamline.flow.files";

    private final FlowStoreSelection selection = new FlowStoreSelection();
    /** The filter of this component's own configuration, or null to follow the engine's. */
    private volatile String ownTarget;
    private FlowManager lastStore;
    static final long SETTLE_MILLIS = 5000;
    /** Why no store was found at the last poll, since when, and whether that was logged (only the poll thread uses these). */
    private String missing;
    private long missingSince;
    private boolean missingLogged;
    private Path directory;
    private FlowFolder folder;
    private ScheduledExecutorService poller;

    /**
     * Checks the configuration whole; a value refused is logged with PID, key, value and rule and the folder
     * is not read until a corrected configuration comes (SCR activates the component again with it).
     */
    @Activate
    void activate(BundleContext context, FlowFilesConfig config, Map<String, Object> properties) {
        ConfigReader read = new ConfigReader(PID, properties);
        long interval;
        long maxBytes;
        try {
            // blank (the default): follow the engine's choice
            ownTarget = config.flowManager_target().isBlank() ? null : read.filter(FlowStoreSelection.TARGET, config::flowManager_target);
            interval = read.longIn("poll.interval.ms", config::poll_interval_ms, 50, 3_600_000);
            maxBytes = read.longIn("max.file.bytes", config::max_file_bytes, 1, Integer.MAX_VALUE);
            String configured = read.text("directory", config::directory, "a path is required");
            directory = Path.of(configured);
            String home = StreamlineHome.of(context::getProperty);
            if (!directory.isAbsolute() && home != null && !home.isBlank()) {
                directory = Path.of(home).resolve(directory);
            }
            try {
                Files.createDirectories(directory);
            } catch (IOException | RuntimeException e) {
                throw new ConfigRefused(PID, "directory", configured, "a folder that can be created and read is required (" + e + ")", e);
            }
        } catch (ConfigRefused | InvalidPathException e) {
            LOG.error("{}; flow files are not loaded until the value is corrected", e.getMessage());
            return;
        }
        folder = new FlowFolder(directory, maxBytes, this::check);
        poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "streamline-flow-files");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::scanSafely, 0, interval, TimeUnit.MILLISECONDS);
        LOG.info("loading flow files from {}", directory);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (poller != null) {
            poller.shutdownNow();
            poller.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Reference(service = FlowManager.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            unbind = "removeStore")
    void addStore(ServiceReference<FlowManager> reference, FlowManager store) {
        selection.add(reference, store);
    }

    void removeStore(ServiceReference<FlowManager> reference) {
        selection.remove(reference);
    }

    /** The engine's processor types, whose declared keys a flow is checked against before it is saved; none: not checked. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ProcessorTypes types;

    private List<String> check(FlowDefinition flow) throws InvalidFlowException {
        ProcessorTypes current = types;
        return current == null ? FlowCheck.NONE.check(flow) : current.check(flow);
    }

    @Reference(service = Engine.class, cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            unbind = "unbindEngine", updated = "bindEngine")
    void bindEngine(Map<String, Object> properties) {
        selection.engine(properties);
    }

    void unbindEngine(Map<String, Object> properties) {
        // the engine's last choice stays: the files keep feeding the store it used
    }

    /**
     * The store in force, or null if none. Why none is logged once it lasted {@value #SETTLE_MILLIS} ms (at start
     * the stores register one by one) and once per reason, not at every poll.
     */
    private FlowManager selectedStore() {
        try {
            FlowManager store = selection.select(ownTarget);
            missing = null;
            return store;
        } catch (FlowStoreSelection.NoStoreException e) {
            long now = System.nanoTime();
            if (missing == null || !missing.equals(e.getMessage())) {
                missing = e.getMessage();
                missingSince = now;
                missingLogged = false;
            }
            // with no store registered at all the framework is starting (or stopping): nothing to tell the operator
            if (!missingLogged && now - missingSince >= TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS) && selection.anyPresent()) {
                LOG.warn("flow files from {} wait: {}", directory, e.getMessage());
                missingLogged = true;
            }
            return null;
        }
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
