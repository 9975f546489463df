package streamline.runtime.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.LogLevel;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;

/**
 * The definitions of the flow versions that unfinished sessions started on, kept in the engine's work directory
 * ({@code flow-versions/<flow id>-<version>.json}), so that a session recovered after a restart finishes on the
 * definition it started with even if its flow changed meanwhile: flow stores keep no history. A version is a content
 * hash of the definition (its save time left out). A file is written, forced and renamed into place before the first
 * session of its version is logged; it is deleted once no run and no live session needs it, and at a start for every
 * version no unfinished session of the log names.
 */
final class FlowVersions {

    static final String FOLDER = "flow-versions";

    private final Path folder;
    private final ObjectMapper json;
    /** The files written (or found) since the start: not written again. Guarded by this. */
    private final Set<String> kept = new java.util.HashSet<>();

    FlowVersions(Path workDirectory) {
        this.folder = workDirectory.resolve(FOLDER);
        this.json = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    /** The version of a definition: a hash of its content, its save time left out. */
    String versionOf(FlowDefinition flow) {
        try {
            byte[] bytes = json.writeValueAsBytes(toTree(flow.toBuilder().lastUpdated(Instant.EPOCH).build()));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("the definition of flow " + flow.name() + " cannot be written as JSON: " + e, e);
        }
    }

    /** Makes sure the definition of a run's version is on disk (durably) before a session of it is logged. */
    synchronized void keep(FlowRun run) throws IOException {
        String name = fileName(run.id(), run.version);
        if (kept.contains(name)) {
            return;
        }
        Files.createDirectories(folder);
        Path file = folder.resolve(name);
        Path temp = folder.resolve(name + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(json.writeValueAsBytes(toTree(run.definition)));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceFolder();
        kept.add(name);
    }

    /**
     * The definition of a flow's version, or null if it is not kept (the work directory was removed).
     *
     * @throws IOException if it is there but cannot be read
     */
    FlowDefinition read(UUID flowId, String version) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(folder.resolve(fileName(flowId, version)));
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            return fromTree(json.readValue(bytes, Map.class));
        } catch (IOException | RuntimeException e) {
            throw new IOException(folder.resolve(fileName(flowId, version)) + " is damaged: " + e.getMessage(), e);
        }
    }

    /** A version no run and no live session needs any more: its file goes. */
    synchronized void delete(UUID flowId, String version) throws IOException {
        String name = fileName(flowId, version);
        kept.remove(name);
        if (Files.deleteIfExists(folder.resolve(name))) {
            forceFolder();
        }
    }

    /** At a start, before any session runs: deletes every kept definition whose version no unfinished session names. */
    synchronized void sweep(Set<String> needed) throws IOException {
        if (!Files.isDirectory(folder)) {
            return;
        }
        List<Path> gone = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.filter(file -> !needed.contains(file.getFileName().toString())).forEach(gone::add);
        }
        for (Path file : gone) {
            Files.deleteIfExists(file);
            kept.remove(file.getFileName().toString());
        }
        if (!gone.isEmpty()) {
            forceFolder();
        }
    }

    static String fileName(UUID flowId, String version) {
        return flowId + "-" + version + ".json";
    }

    private void forceFolder() {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for forcing; the rename itself is still atomic
        }
    }

    private static Map<String, Object> toTree(FlowDefinition flow) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("id", flow.id().toString());
        tree.put("name", flow.name());
        tree.put("description", flow.description());
        tree.put("active", flow.active());
        tree.put("lastUpdated", flow.lastUpdated().toString());
        List<Map<String, Object>> processors = new ArrayList<>();
        for (ProcessorDefinition p : flow.processors()) {
            Map<String, Object> processor = new LinkedHashMap<>();
            processor.put("id", p.id().toString());
            processor.put("name", p.name());
            processor.put("type", p.type());
            processor.put("config", p.config());
            processor.put("maxRetries", p.maxRetries());
            processor.put("backoffSeconds", p.backoffSeconds());
            processor.put("logLevel", p.logLevel().name());
            processor.put("enabled", p.enabled());
            processor.put("next", p.nextProcessorIds().stream().map(UUID::toString).toList());
            processors.add(processor);
        }
        tree.put("processors", processors);
        List<Map<String, Object>> triggers = new ArrayList<>();
        for (TriggerDefinition t : flow.triggers()) {
            Map<String, Object> trigger = new LinkedHashMap<>();
            trigger.put("id", t.id().toString());
            trigger.put("name", t.name());
            trigger.put("type", t.type());
            trigger.put("config", t.config());
            trigger.put("cron", t.cronExpression());
            trigger.put("singleNode", t.singleNode());
            trigger.put("enabled", t.enabled());
            trigger.put("logLevel", t.logLevel().name());
            triggers.add(trigger);
        }
        tree.put("triggers", triggers);
        return tree;
    }

    @SuppressWarnings("unchecked")
    private static FlowDefinition fromTree(Map<String, Object> tree) {
        FlowDefinition.Builder flow = FlowDefinition.builder().id(UUID.fromString((String) tree.get("id")))
                .name((String) tree.get("name")).description((String) tree.get("description"))
                .active((Boolean) tree.get("active")).lastUpdated(Instant.parse((String) tree.get("lastUpdated")));
        for (Map<String, Object> p : (List<Map<String, Object>>) tree.get("processors")) {
            flow.processor(ProcessorDefinition.builder().id(UUID.fromString((String) p.get("id"))).name((String) p.get("name"))
                    .type((String) p.get("type")).config((Map<String, Object>) p.get("config"))
                    .maxRetries(((Number) p.get("maxRetries")).intValue()).backoffSeconds(((Number) p.get("backoffSeconds")).intValue())
                    .logLevel(LogLevel.valueOf((String) p.get("logLevel"))).enabled((Boolean) p.get("enabled"))
                    .nextProcessorIds(((List<String>) p.get("next")).stream().map(UUID::fromString).toList()).build());
        }
        for (Map<String, Object> t : (List<Map<String, Object>>) tree.get("triggers")) {
            flow.trigger(TriggerDefinition.builder().id(UUID.fromString((String) t.get("id"))).name((String) t.get("name"))
                    .type((String) t.get("type")).config((Map<String, Object>) t.get("config"))
                    .cronExpression((String) t.get("cron")).singleNode((Boolean) t.get("singleNode"))
                    .enabled((Boolean) t.get("enabled")).logLevel(LogLevel.valueOf((String) t.get("logLevel"))).build());
        }
        return flow.build();
    }
}
