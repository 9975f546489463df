package streamline.processors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import streamline.api.processor.StepUnavailableException;
import streamline.testkit.ProcessorHarness;

class PublishKafkaTest {

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();

    private Map<String, Object> config(String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap_servers", BROKER.bootstrapServers());
        config.put("topic", topic);
        return config;
    }

    @Test
    void publishesTheContentAndKeepsTheSessionsMetadata() throws Exception {
        BROKER.createTopic("published", 1);
        PublishKafka processor = new PublishKafka();
        try {
            ProcessorHarness harness = ProcessorHarness.of(processor).config(config("published"));
            ProcessorHarness.Result first = harness.metadata(Map.of("name", "first")).content("hello").run();
            ProcessorHarness.Result second = harness.metadata(Map.of("name", "second")).content("world").run();

            assertEquals("first", first.output().metadata().get("name"));
            assertEquals("published", first.output().metadata().get("PublishKafka.Topic"));
            assertEquals(0, ((Number) first.output().metadata().get("PublishKafka.Partition")).intValue());
            assertEquals(0L, ((Number) first.output().metadata().get("PublishKafka.Offset")).longValue());
            assertEquals("second", second.output().metadata().get("name"));
            assertEquals(1L, ((Number) second.output().metadata().get("PublishKafka.Offset")).longValue());
            assertEquals("hello", first.contentAsString(), "content passes through");
            assertEquals(List.of("hello", "world"), read("published", 2));
        } finally {
            processor.close();
        }
    }

    @Test
    void theTopicIsAnExpressionOverTheMetadataAndAcksLocalAndNoneAreAccepted() throws Exception {
        BROKER.createTopic("routed", 1);
        for (String acks : List.of("local", "none")) {
            PublishKafka processor = new PublishKafka();
            try {
                Map<String, Object> config = config("${target}");
                config.put("acks", acks);
                ProcessorHarness.Result result = ProcessorHarness.of(processor).config(config)
                        .metadata(Map.of("target", "routed")).content("acks " + acks).run();
                assertEquals("routed", result.output().metadata().get("PublishKafka.Topic"));
                long offset = ((Number) result.output().metadata().get("PublishKafka.Offset")).longValue();
                // without an acknowledgement the producer does not learn the offset
                assertEquals(acks.equals("none") ? -1L : 0L, offset, "offset with acks " + acks);
            } finally {
                processor.close();
            }
        }
        assertEquals(List.of("acks local", "acks none"), read("routed", 2));
    }

    @Test
    void anUnknownAcksValueIsAnErrorNamingTheKey() {
        Map<String, Object> config = config("any");
        config.put("acks", "some");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ProcessorHarness.of(new PublishKafka()).config(config).content("x").run());
        assertTrue(error.getMessage().contains("'acks' must be all, local or none, was 'some'"), error.getMessage());
    }

    @Test
    void missingKeysAreErrorsNamingThem() {
        Map<String, Object> config = config("any");
        config.remove("topic");
        Exception error = assertThrows(Exception.class, // the declared keys: checked before init
                () -> ProcessorHarness.of(new PublishKafka()).config(config).content("x").run());
        assertTrue(error.getMessage().contains("'topic' is required"), error.getMessage());
    }

    @Test
    void otherKeysReachTheClientAsProperties() {
        Map<String, Object> config = config("any");
        config.put("linger.ms", "soon");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ProcessorHarness.of(new PublishKafka()).config(config).content("x").run());
        assertTrue(error.getMessage().contains("linger.ms"), error.getMessage());
    }

    @Test
    void aBrokerThatIsNotThereMakesTheStepWaitWithTheReason() throws Exception {
        Map<String, Object> config = config("nowhere");
        config.put("bootstrap_servers", "127.0.0.1:1");
        config.put("max.block.ms", "1000");
        PublishKafka processor = new PublishKafka();
        try {
            StepUnavailableException notNow = assertThrows(StepUnavailableException.class,
                    () -> ProcessorHarness.of(processor).config(config).content("x").run());
            assertTrue(notNow.reason().contains("cannot publish to topic 'nowhere' at 127.0.0.1:1, the broker is not ready: "),
                    notNow.reason());
            assertTrue(notNow.getCause() instanceof org.apache.kafka.common.errors.TimeoutException, String.valueOf(notNow.getCause()));
        } finally {
            processor.close();
        }
    }

    @Test
    void whatKafkaCallsRetriableIsTheBrokerNotBeingReadyAndTheRestFailsTheStep() {
        for (Exception notReady : List.<Exception>of(new org.apache.kafka.common.errors.NotEnoughReplicasException("isr 1 < 2"),
                new org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException("isr shrank"),
                new org.apache.kafka.common.errors.LeaderNotAvailableException("election"),
                new org.apache.kafka.common.errors.TimeoutException("expired"),
                new org.apache.kafka.common.errors.NetworkException("connection refused"),
                new java.util.concurrent.ExecutionException(new org.apache.kafka.common.errors.NotLeaderOrFollowerException("moved")))) {
            assertTrue(BrokerNotReady.isNotReady(notReady), notReady.toString());
        }
        for (Exception failure : List.<Exception>of(new org.apache.kafka.common.errors.RecordTooLargeException("big"),
                new org.apache.kafka.common.errors.TopicAuthorizationException("denied"),
                new org.apache.kafka.common.errors.InvalidTopicException("bad name"),
                new org.apache.kafka.common.KafkaException("closed"), new IllegalStateException("other"))) {
            assertTrue(!BrokerNotReady.isNotReady(failure), failure.toString());
        }
    }

    /** The values of the first {@code count} records of partition 0 of a topic. */
    private static List<String> read(String topic, int count) {
        Map<String, Object> properties = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
            return values;
        }
    }
}
