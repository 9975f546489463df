package streamline.processors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import streamline.testkit.Eventually;

/**
 * Publish N records through one flow and consume them through another, with the engine's JVM killed in the
 * middle and started again on its folders: every record of the topic is processed by exactly one session.
 */
class KafkaFlowsCrashTest {

    private static final int RECORDS = 200;
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();

    @TempDir
    Path home;

    @Test
    void everyRecordIsProcessedExactlyOnceAcrossAKill() throws Exception {
        BROKER.createTopic(KafkaFlowsEngine.SOURCE, 1);
        Path out = home.resolve("out");
        Process first = engine(RECORDS, "first.log");
        try {
            Eventually.await("sessions submitted and a quarter of the records processed", TIMEOUT,
                    () -> Files.exists(home.resolve("submitted")) && count(out) >= RECORDS / 4 || !first.isAlive(),
                    () -> count(out) + " records processed");
            assertTrue(first.isAlive(), "the first engine ran until killed: " + tail("first.log"));
        } finally {
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown of any kind
        }
        int beforeKill = count(out);
        assertTrue(beforeKill < RECORDS, "killed in the middle, not after the end: " + beforeKill + " records processed");

        Process second = engine(0, "second.log");
        try {
            Eventually.await("every record of the topic processed and committed", TIMEOUT, () -> {
                long end = endOffset();
                return end >= RECORDS && committed() == end && count(out) == end && payloads(out).size() == RECORDS;
            }, () -> "end offset " + endOffset() + ", committed " + committed() + ", processed " + count(out)
                    + ", payloads " + payloads(out).size() + "; " + tail("second.log"));
        } finally {
            second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }

        long end = endOffset();
        List<String> twice = new ArrayList<>();
        for (long offset = 0; offset < end; offset++) {
            Path record = out.resolve(KafkaFlowsEngine.SOURCE + "-0-" + offset);
            try (Stream<Path> sessions = Files.list(record)) {
                long count = sessions.count();
                if (count != 1) {
                    twice.add(record.getFileName() + " by " + count + " sessions");
                }
            }
        }
        assertEquals(List.of(), twice, "records processed by more than one session (" + beforeKill + " before the kill)");
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < RECORDS; i++) {
            expected.add("record " + i);
        }
        // a publish step repeated after the kill may put a record on the topic twice (at least once), never lose one
        assertEquals(expected, payloads(out), "every published record reached the topic and was consumed");
    }

    private Process engine(int submit, String log) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), KafkaFlowsEngine.class.getName(),
                home.toString(), BROKER.bootstrapServers(), Integer.toString(submit));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(home.resolve(log).toFile()).start();
    }

    private String tail(String log) {
        try {
            String text = Files.readString(home.resolve(log));
            return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** How many records have a folder of sessions that processed them. */
    private static int count(Path out) {
        if (!Files.isDirectory(out)) {
            return 0;
        }
        try (Stream<Path> records = Files.list(out)) {
            return (int) records.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The distinct contents the sessions processed. */
    private static Set<String> payloads(Path out) {
        Set<String> payloads = new TreeSet<>();
        if (!Files.isDirectory(out)) {
            return payloads;
        }
        try (Stream<Path> files = Files.walk(out)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                payloads.add(Files.readString(file, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // a file being written: counted on the next look
        }
        return payloads;
    }

    private static long endOffset() {
        try (Admin admin = BROKER.admin()) {
            TopicPartition partition = new TopicPartition(KafkaFlowsEngine.SOURCE, 0);
            return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get(30, TimeUnit.SECONDS)
                    .offset();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long committed() {
        try (Admin admin = BROKER.admin()) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(KafkaFlowsEngine.GROUP).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).get(new TopicPartition(KafkaFlowsEngine.SOURCE, 0));
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            return -1;
        }
    }
}
