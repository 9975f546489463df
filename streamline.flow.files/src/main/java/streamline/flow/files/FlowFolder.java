package streamline.flow.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.FlowStoreException;

/**
 * A folder of flow files kept in step with a flow store, one {@link #scan} at a time: a new or
 * changed file is read and saved (only when its content changed, and not when the store already
 * holds the very same definition, so an unchanged file never re-activates its flow); a refused file
 * is reported once with its name, field and error, and the last good version stays; a removed file
 * makes its flow inactive; a file naming a flow another file defines is refused; a file over the size
 * limit is refused unread. One bad file never keeps the others from loading. A different store than
 * last time gets every file again.
 */
final class FlowFolder {

    private static final Logger LOG = LogManager.getLogger(FlowFolder.class);

    /** What was last saved from a file. */
    private record Loaded(String fingerprint, UUID flowId, FlowManager store) {
    }

    private final Path directory;
    private final long maxFileBytes;
    private final FlowJson json = new FlowJson();
    private final Map<Path, Loaded> loaded = new HashMap<>();
    private final Map<Path, String> refused = new HashMap<>();

    /** @param maxFileBytes a larger file is refused without being read */
    FlowFolder(Path directory, long maxFileBytes) {
        this.directory = directory;
        this.maxFileBytes = maxFileBytes;
    }

    /** Saves new and changed files into {@code store}, and makes the flows of removed files inactive. */
    synchronized void scan(FlowManager store) throws IOException {
        Set<Path> present = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                if (Files.isRegularFile(file)) {
                    present.add(file);
                    considerSafely(file, store);
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

    /** One file: whatever goes wrong with it is reported with its name and never keeps the other files from loading. */
    private void considerSafely(Path file, FlowManager store) {
        try {
            consider(file, store);
        } catch (IOException | RuntimeException | StackOverflowError | LinkageError e) {
            String name = directory.relativize(file).toString();
            String report = e.toString();
            if (!report.equals(refused.get(file))) {
                refused.put(file, report);
                LOG.error("flow file refused: {}: cannot be read: {}", name, report);
            }
        }
    }

    private void consider(Path file, FlowManager store) throws IOException {
        long size = Files.size(file);
        if (size > maxFileBytes) {
            String tooLarge = "size " + size + ", modified " + Files.getLastModifiedTime(file);
            if (!tooLarge.equals(refused.get(file))) {
                refused.put(file, tooLarge);
                LOG.error("flow file refused: {}: {} bytes, over the limit of {} bytes (max.file.bytes); it was not read",
                        directory.relativize(file), size, maxFileBytes);
            }
            return;
        }
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
            return store.flow(flow.id()).equalsIgnoringLastUpdated(flow);
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
