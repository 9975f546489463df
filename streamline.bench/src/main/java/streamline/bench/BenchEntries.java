package streamline.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.wal.LogEntry;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The entries every WAL benchmark writes: about 500 bytes, 8 metadata keys, 3 completed steps, each the
 * start of a step of the flow {@code orders}, in a session of its own.
 */
final class BenchEntries {

    private static final UUID FLOW = FlowDefinition.idFromName("orders");
    private static final String PROCESSOR = "TransformOrder";
    private static final UUID PROCESSOR_ID = ProcessorDefinition.idFromName(FLOW, PROCESSOR);
    private static final List<UUID> UPSTREAM_IDS = List.of("ReadDir", "Validate", "Enrich").stream()
            .map(name -> ProcessorDefinition.idFromName(FLOW, name)).toList();

    /** How an entry's processor id and completed-step ids are chosen. */
    enum Ids {
        /**
         * As the engine writes them: the ids of the flow's processors ({@link ProcessorDefinition#idFromName}),
         * so every session's entry names the same few.
         */
        FLOW,
        /** New random ids in every entry: what no engine writes, the worst case for a log that stores a repeated id once. */
        UNIQUE;

        /** The {@code ids} benchmark parameter: {@code flow} or {@code unique}. */
        static Ids of(String parameter) {
            return valueOf(parameter.toUpperCase(Locale.ROOT));
        }
    }

    private BenchEntries() {
    }

    static LogEntry started(UUID session) {
        return started(session, Ids.FLOW);
    }

    static LogEntry started(UUID session, Ids ids) {
        UUID processor = ids == Ids.FLOW ? PROCESSOR_ID : UUID.randomUUID();
        List<UUID> completed = ids == Ids.FLOW ? UPSTREAM_IDS
                : List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        return LogEntry.stepStarted(session, FLOW, processor, PROCESSOR, "content/" + session, metadata(),
                "/data/inbox/orders/order-000123456.json", 0, completed);
    }

    /** The metadata of every benchmark entry: 8 keys. */
    static Map<String, Object> metadata() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("ReadDir.Path", "/data/inbox/orders/2026/11/28/order-000123456.json");
        metadata.put("ReadDir.Size", 48_213L);
        metadata.put("customer", "ACME Industrial Supplies Ltd.");
        metadata.put("priority", 3);
        metadata.put("retryable", true);
        metadata.put("WriteFile.OutputPath", "/data/outbox/orders/processed/order-000123456.json");
        metadata.put("checksum", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        metadata.put("tags", List.of("orders", "eu-west", "batch-17"));
        return metadata;
    }

    /** Fills a log with {@code count} live entries (one started step per session), quickly: in batches. */
    static void fill(FileWriteAheadLog log, int count, Ids ids) throws Exception {
        List<LogEntry> batch = new ArrayList<>(1000);
        for (int i = 0; i < count; i++) {
            batch.add(started(UUID.randomUUID(), ids));
            if (batch.size() == 1000 || i == count - 1) {
                log.appendAll(batch);
                batch.clear();
            }
        }
    }

    /** The same for NiFi's log. */
    static void fill(NiFiWal log, int count, Ids ids) throws Exception {
        for (int i = 0; i < count; i++) {
            log.append(started(UUID.randomUUID(), ids), false);
        }
    }

    static LogEntry finished(UUID session) {
        return LogEntry.sessionFinished(session, FLOW, "/data/inbox/orders/order-000123456.json", "");
    }
}
