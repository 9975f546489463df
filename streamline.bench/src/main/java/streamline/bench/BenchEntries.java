package streamline.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import streamline.api.wal.LogEntry;

/** The entries every WAL benchmark writes: about 500 bytes, 8 metadata keys, 3 completed steps. */
final class BenchEntries {

    private static final UUID FLOW = UUID.fromString("3f1c2c1e-6a51-4f5e-9a8b-0d5c4b3a2f10");

    private BenchEntries() {
    }

    static LogEntry started(UUID session) {
        return LogEntry.stepStarted(session, FLOW, UUID.nameUUIDFromBytes(session.toString().getBytes()),
                "TransformOrder", "content/" + session, metadata(), "/data/inbox/orders/order-000123456.json", 0,
                List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()));
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
    static void fill(streamline.wal.file.FileWriteAheadLog log, int count) throws Exception {
        java.util.List<LogEntry> batch = new java.util.ArrayList<>(1000);
        for (int i = 0; i < count; i++) {
            batch.add(started(UUID.randomUUID()));
            if (batch.size() == 1000 || i == count - 1) {
                log.appendAll(batch);
                batch.clear();
            }
        }
    }

    /** The same for NiFi's log. */
    static void fill(NiFiWal log, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            log.append(started(UUID.randomUUID()), false);
        }
    }

    static LogEntry finished(UUID session) {
        return LogEntry.sessionFinished(session, FLOW, "/data/inbox/orders/order-000123456.json", "");
    }
}
