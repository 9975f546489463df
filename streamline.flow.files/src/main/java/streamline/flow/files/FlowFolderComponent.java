package streamline.flow.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.FlowStoreException;

/**
 * Keeps the flow store in step with a folder of flow files: a new or changed file is read and saved
 * (only when its content changed, so re-reading an unchanged file does not re-activate its flow); a
 * refused file is reported with its name, field and error, and the last good version keeps running;
 * a removed file makes its flow inactive. When the flow store changes, every file is saved into the new one.
 * The folder is polled by one thread this component owns.
 */
@Component(service = {}, configurationPid = "streamline.flow.files", immediate = true)
@Designate(ocd = FlowFilesConfig.class)
public class FlowFolderComponent {

    private static final Logger LOG = LogManager.getLogger(FlowFolderComponent.class);

    /** What was last saved from a file. */
    private record Loaded(String fingerprint, UUID flowId, FlowManager store) {
    }

    private final FlowJson json = new FlowJson();
    private final Map<Path, Loaded> loaded = new HashMap<>();
    private final Map<Path, String> refused = new HashMap<>();
    private volatile FlowManager flows;
    private Path directory;
    private ScheduledExecutorService poller;

    @Activate
    void activate(BundleContext context, FlowFilesConfig config) throws IOException {
        directory = Path.of(config.directory());
        String home = context.getProperty("streamline.home");
        if (!directory.isAbsolute() && home != null && !home.isBlank()) {
            directory = Path.of(home).resolve(directory);
        }
        Files.createDirectories(directory);
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
        try {
            scan();
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot read the flow folder {}: {}", directory, e.toString());
        }
    }

    private synchronized void scan() throws IOException {
        FlowManager store = flows;
        if (store == null) {
            return;
        }
        Set<Path> present = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                if (Files.isRegularFile(file)) {
                    present.add(file);
                    consider(file, store);
                }
            }
        }
        for (Map.Entry<Path, Loaded> gone : Map.copyOf(loaded).entrySet()) {
            if (!present.contains(gone.getKey())) {
                loaded.remove(gone.getKey());
                deactivateRemoved(gone.getKey(), gone.getValue(), store);
            }
        }
        refused.keySet().retainAll(present);
    }

    private void consider(Path file, FlowManager store) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String fingerprint = fingerprint(bytes);
        Loaded before = loaded.get(file);
        if (before != null && before.fingerprint().equals(fingerprint) && before.store() == store) {
            return;
        }
        if (fingerprint.equals(refused.get(file))) {
            return; // already reported
        }
        String name = directory.relativize(file).toString();
        FlowDefinition flow;
        try {
            flow = json.read(new String(bytes, StandardCharsets.UTF_8), name);
        } catch (FlowFileException e) {
            refused.put(file, fingerprint);
            LOG.error("flow file refused: {}{}", e.getMessage(),
                    before == null ? "" : "; the last good version keeps running");
            return;
        }
        for (Map.Entry<Path, Loaded> other : loaded.entrySet()) {
            if (!other.getKey().equals(file) && other.getValue().flowId().equals(flow.id())) {
                refused.put(file, fingerprint);
                LOG.error("flow file refused: {}: flow '{}' ({}) is already defined by {}", name, flow.name(), flow.id(),
                        directory.relativize(other.getKey()));
                return;
            }
        }
        try {
            if (!sameAsStored(flow, store)) {
                store.save(flow);
            }
            loaded.put(file, new Loaded(fingerprint, flow.id(), store));
            refused.remove(file);
            LOG.info("flow '{}' ({}) {} from {}", flow.name(), flow.id(), before == null ? "loaded" : "reloaded", name);
        } catch (FlowStoreException e) {
            LOG.error("the flow store refused flow '{}' from {} (trying again on the next check): {}", flow.name(), name,
                    e.getMessage());
        }
    }

    /** Whether the store already holds this very definition (after a restart), so saving it again would only re-activate it. */
    private static boolean sameAsStored(FlowDefinition flow, FlowManager store) throws FlowStoreException {
        try {
            FlowDefinition stored = store.flow(flow.id());
            return stored.toBuilder().lastUpdated(flow.lastUpdated()).build().equals(flow);
        } catch (FlowNotFoundException e) {
            return false;
        }
    }

    private void deactivateRemoved(Path file, Loaded was, FlowManager store) {
        try {
            store.setActive(was.flowId(), false);
            LOG.info("flow file {} removed: its flow {} is now inactive", directory.relativize(file), was.flowId());
        } catch (FlowNotFoundException e) {
            // nothing to stop
        } catch (FlowStoreException e) {
            LOG.error("flow file {} removed, but its flow {} could not be made inactive: {}", file, was.flowId(), e.getMessage());
        }
    }

    private static String fingerprint(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
