package streamline.flow.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.flow.FlowManager;

/**
 * Keeps the bound flow store in step with the folder of flow files ({@link FlowFolder} says how),
 * checking it on one thread this component owns.
 */
@Component(service = {}, configurationPid = "streamline.flow.files", immediate = true)
@Designate(ocd = FlowFilesConfig.class)
public class FlowFolderComponent {

    private static final Logger LOG = LogManager.getLogger(FlowFolderComponent.class);

    private volatile FlowManager flows;
    private Path directory;
    private FlowFolder folder;
    private ScheduledExecutorService poller;

    @Activate
    void activate(BundleContext context, FlowFilesConfig config) throws IOException {
        directory = Path.of(config.directory());
        String home = context.getProperty("streamline.home");
        if (!directory.isAbsolute() && home != null && !home.isBlank()) {
            directory = Path.of(home).resolve(directory);
        }
        Files.createDirectories(directory);
        folder = new FlowFolder(directory);
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

    @Reference(name = "flowManager", policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindFlowManager(FlowManager store) {
        flows = store;
    }

    void unbindFlowManager(FlowManager store) {
        if (flows == store) {
            flows = null;
        }
    }

    private void scanSafely() {
        FlowManager store = flows;
        if (store == null) {
            return;
        }
        try {
            folder.scan(store);
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot read the flow folder {}: {}", directory, e.toString());
        }
    }

}
