package streamline.flow.files;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;

/**
 * A folder of flow files kept in step with a flow store, one {@link #scan} at a time.
 *
 * <ul>
 * <li>A new or changed file is read and its flow saved, marked with its origin ({@link FlowOrigin});
 * not when the store already holds that very definition, so an unchanged or renamed file never
 * restarts its flow.</li>
 * <li>A refused file is reported once, with its name, field and error, and not read again until it
 * changes; the flow it last saved keeps running. Whatever goes wrong with one file (an
 * {@code OutOfMemoryError} included) refuses that file only.</li>
 * <li>Files naming one flow (by id or by name) are all refused while more than one is there, whatever
 * order the folder lists them in: the version saved last keeps running.</li>
 * <li>A flow that no file defines any more (its file removed, or its name changed in the file) is made
 * inactive once what replaces it is saved. At the first scan of a store, flows marked as saved from
 * the folder whose file is gone and that no file defines are made inactive: files removed while the
 * engine was stopped.</li>
 * </ul>
 * A different store than last time gets every file again.
 */
final class FlowFolder {

    private static final Logger LOG = LogManager.getLogger(FlowFolder.class);
    private static final int PAGE = 500;

    /** Reads one flow file's text; {@link FlowJson#read} unless a test injects faults. */
    interface FlowReader {
        FlowDefinition read(String text, String where) throws FlowFileException;
    }

    /** What is known of one file in the folder. */
    private static final class FileState {
        /** The fingerprint of the content last read, or the size and time of a file refused unread. */
        String seen = "";
        /** Its flow as read, marked with its origin; null while the content is refused. */
        FlowDefinition flow;
        /** What was last reported about it, so that each problem is reported once. */
        String report;
        /** The flow last saved from it (or found saved already): it keeps defining that flow while refused. */
        UUID savedFlow;
        FlowManager savedTo;
        String savedContent;
    }

    private final Path directory;
    private final long maxFileBytes;
    private final FlowReader reader;
    private final FlowCheck check;
    private final Map<Path, FileState> files = new HashMap<>();
    /** Flows to make inactive, until the store did. */
    private final Set<UUID> toStop = new HashSet<>();
    /** The store whose flows from the folder were last checked against the files. */
    private FlowManager reconciled;

    /** @param maxFileBytes a larger file is refused without being read */
    FlowFolder(Path directory, long maxFileBytes) {
        this(directory, maxFileBytes, FlowCheck.NONE);
    }

    /** @param check checks a flow's configuration before it is saved */
    FlowFolder(Path directory, long maxFileBytes, FlowCheck check) {
        this(directory, maxFileBytes, new FlowJson()::read, check);
    }

    FlowFolder(Path directory, long maxFileBytes, FlowReader reader) {
        this(directory, maxFileBytes, reader, FlowCheck.NONE);
    }

    private FlowFolder(Path directory, long maxFileBytes, FlowReader reader, FlowCheck check) {
        this.directory = directory;
        this.maxFileBytes = maxFileBytes;
        this.reader = reader;
        this.check = check;
    }

    /** Brings {@code store} in step with the folder; stops early, with the interrupt flag kept, when interrupted. */
    synchronized void scan(FlowManager store) throws IOException {
        Set<Path> present = new TreeSet<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : listing) {
                if (Files.isRegularFile(file)) {
                    present.add(file);
                }
            }
        }
        for (Iterator<Path> it = present.iterator(); it.hasNext();) {
            Path file = it.next();
            FileState state = files.computeIfAbsent(file, f -> new FileState());
            if (!read(file, state) && state.savedFlow == null) {
                // removed since the listing, and not saved in this run (at start): gone, not refused, whose last good
                // version would keep running. One saved in this run stays as it is until the next scan, which may find
                // it renamed and hand its flow over without stopping it
                it.remove();
            }
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
        for (Iterator<Map.Entry<Path, FileState>> it = files.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Path, FileState> gone = it.next();
            if (!present.contains(gone.getKey())) {
                it.remove();
                if (gone.getValue().savedFlow != null) {
                    toStop.add(gone.getValue().savedFlow);
                    LOG.info("flow file {} removed", name(gone.getKey()));
                }
            }
        }
        Set<Path> clashing = clashing(present);
        for (Path file : present) {
            FileState state = files.get(file);
            if (state.flow != null && !clashing.contains(file)) {
                save(file, state, store);
            }
        }
        Set<UUID> defined = new HashSet<>();
        for (FileState state : files.values()) {
            if (state.flow != null) {
                defined.add(state.flow.id());
            }
            if (state.savedFlow != null) {
                defined.add(state.savedFlow);
            }
        }
        stopUndefined(defined, store);
        if (reconciled != store && reconcile(store, present, defined)) {
            reconciled = store;
        }
    }

    /**
     * Reads a file whose content changed; whatever goes wrong refuses this file only.
     *
     * @return false if the file is gone (removed or renamed since the folder was listed)
     */
    private boolean read(Path file, FileState state) {
        String name = name(file);
        try {
            long size = Files.size(file);
            if (size > maxFileBytes) {
                state.seen = "size " + size + ", modified " + Files.getLastModifiedTime(file);
                state.flow = null;
                report(state, name + ": " + size + " bytes, over the limit of " + maxFileBytes
                        + " bytes (max.file.bytes); it was not read" + keptRunning(state));
                return true;
            }
            byte[] bytes = Files.readAllBytes(file);
            String fingerprint = fingerprint(bytes);
            if (fingerprint.equals(state.seen)) {
                return true;
            }
            state.seen = fingerprint;
            state.flow = null;
            state.flow = FlowOrigin.withOrigin(reader.read(new String(bytes, StandardCharsets.UTF_8), name), name);
        } catch (NoSuchFileException e) {
            return false;
        } catch (FlowFileException e) {
            report(state, e.getMessage() + keptRunning(state));
        } catch (ClosedByInterruptException e) {
            Thread.currentThread().interrupt(); // stopping: the file is read again at the next start
        } catch (IOException | RuntimeException | Error e) {
            // an OutOfMemoryError or StackOverflowError of one file's parse leaves with its garbage: the other files go on
            report(state, name + ": cannot be read: " + e + keptRunning(state));
        }
        return true;
    }

    /** The files whose flow another file also names, by id or by name; each is reported with the others. */
    private Set<Path> clashing(Set<Path> present) {
        Map<UUID, List<Path>> byId = new HashMap<>();
        Map<String, List<Path>> byName = new HashMap<>();
        for (Path file : present) {
            FlowDefinition flow = files.get(file).flow;
            if (flow != null) {
                byId.computeIfAbsent(flow.id(), id -> new ArrayList<>()).add(file);
                byName.computeIfAbsent(flow.name(), n -> new ArrayList<>()).add(file);
            }
        }
        Set<Path> clashing = new HashSet<>();
        for (Path file : present) {
            FileState state = files.get(file);
            if (state.flow == null) {
                continue;
            }
            Set<String> others = new TreeSet<>();
            for (Path other : byId.get(state.flow.id())) {
                others.add(name(other));
            }
            for (Path other : byName.get(state.flow.name())) {
                others.add(name(other));
            }
            others.remove(name(file));
            if (!others.isEmpty()) {
                clashing.add(file);
                report(state, name(file) + ": flow '" + state.flow.name() + "' (" + state.flow.id() + ") is also defined by "
                        + String.join(", ", others) + "; every file defining one flow is refused until one is left"
                        + (state.savedFlow == null ? "" : ", and the version saved last keeps running"));
            }
        }
        return clashing;
    }

    private void save(Path file, FileState state, FlowManager store) {
        if (store == state.savedTo && state.seen.equals(state.savedContent)) {
            state.report = null; // neither refused nor clashing now: a problem that comes back is reported again
            return;
        }
        FlowDefinition flow = state.flow;
        try {
            // the processors' declared keys, checked at every scan until it passes: a provider that came meanwhile
            // checks it too
            check.check(flow);
        } catch (InvalidFlowException e) {
            report(state, name(file) + ": " + e.getMessage() + keptRunning(state));
            return;
        } catch (RuntimeException e) {
            report(state, "cannot check flow '" + flow.name() + "' from " + name(file) + " (trying again at every check): " + e);
            return;
        }
        try {
            boolean saved = !FlowOrigin.isSavedAs(storedOrNull(store, flow.id()), flow);
            if (saved) {
                store.save(flow);
            }
            if (state.savedFlow != null && !state.savedFlow.equals(flow.id())) {
                toStop.add(state.savedFlow); // its file now names another flow
            }
            boolean before = state.savedFlow != null;
            state.savedFlow = flow.id();
            state.savedTo = store;
            state.savedContent = state.seen;
            state.report = null;
            LOG.info("flow '{}' ({}) {} from {}", flow.name(), flow.id(), !saved ? "unchanged" : before ? "reloaded" : "loaded",
                    name(file));
        } catch (FlowStoreException | RuntimeException e) {
            // whatever the store throws is about this flow: the other files are saved all the same
            report(state, "the flow store refused flow '" + flow.name() + "' from " + name(file) + " (trying again at every check): "
                    + e.getMessage());
        }
    }

    private static FlowDefinition storedOrNull(FlowManager store, UUID flowId) throws FlowStoreException {
        try {
            return store.flow(flowId);
        } catch (FlowNotFoundException e) {
            return null;
        }
    }

    /** Makes inactive the flows a file defined and no file defines now; a store failure is tried again at the next scan. */
    private void stopUndefined(Set<UUID> defined, FlowManager store) {
        for (Iterator<UUID> it = toStop.iterator(); it.hasNext();) {
            UUID flowId = it.next();
            if (defined.contains(flowId)) {
                it.remove(); // another file defines it now (a renamed file)
                continue;
            }
            try {
                if (store.flow(flowId).active()) {
                    store.setActive(flowId, false);
                    LOG.info("flow {} is defined by no flow file now: it is inactive", flowId);
                }
                it.remove();
            } catch (FlowNotFoundException e) {
                it.remove();
            } catch (FlowStoreException | RuntimeException e) {
                LOG.error("flow {} is defined by no flow file now, but could not be made inactive (trying again): {}", flowId,
                        e.getMessage());
            }
        }
    }

    /**
     * Makes inactive the store's flows saved from this folder whose file is gone and that no file
     * defines: files removed while the engine was stopped, or that now define another flow, saved in
     * this scan (the flow renamed in its file). A file still there and refused keeps its last good
     * version. Whether it got through the whole store.
     */
    private boolean reconcile(FlowManager store, Set<Path> present, Set<UUID> defined) {
        // a file still there that was saved now with another flow (renamed in it while stopped) no longer keeps the
        // flow it was saved from before
        Set<String> names = new HashSet<>();
        present.forEach(file -> {
            FileState state = files.get(file);
            if (state.savedFlow == null || state.flow == null || !state.savedFlow.equals(state.flow.id())) {
                names.add(name(file)); // refused or not saved: its last good version keeps running
            }
        });
        Map<UUID, String> gone = new TreeMap<>();
        try {
            Page<FlowDefinition> page;
            int number = 0;
            do {
                page = store.listFlows(new PageRequest(number++, PAGE), Instant.EPOCH);
                for (FlowDefinition flow : page.items()) {
                    String origin = FlowOrigin.fileOf(flow).orElse(null);
                    if (origin != null && flow.active() && !defined.contains(flow.id()) && !names.contains(origin)) {
                        gone.put(flow.id(), origin);
                    }
                }
            } while (page.hasNext());
            for (Map.Entry<UUID, String> flow : gone.entrySet()) {
                try {
                    store.setActive(flow.getKey(), false);
                } catch (FlowNotFoundException e) {
                    continue;
                }
                LOG.info("flow {} was saved from the flow file {}, which is gone: it is inactive", flow.getKey(), flow.getValue());
            }
            return true;
        } catch (FlowStoreException | RuntimeException e) {
            LOG.error("cannot check the flow store for flows whose files are gone (trying again at the next check): {}", e.toString());
            return false;
        }
    }

    private static void report(FileState state, String message) {
        if (!message.equals(state.report)) {
            state.report = message;
            LOG.error("flow file refused: {}", message);
        }
    }

    private static String keptRunning(FileState state) {
        return state.savedFlow == null ? "" : "; the last good version keeps running";
    }

    private String name(Path file) {
        return directory.relativize(file).toString();
    }

    private static String fingerprint(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
