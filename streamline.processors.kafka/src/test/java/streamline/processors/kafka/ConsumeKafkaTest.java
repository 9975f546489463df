package streamline.processors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import streamline.api.processor.ItemOutcome;
import streamline.api.processor.StepUnavailableException;
import streamline.api.processor.TriggerResult;
import streamline.api.state.StateScope;
import streamline.testkit.ProcessorHarness.InMemoryState;
import streamline.testkit.ProcessorHarness.TriggerHarness;

class ConsumeKafkaTest {

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();

    private static Map<String, Object> config(String topic, String group) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap_servers", BROKER.bootstrapServers());
        config.put("topic_names", topic);
        config.put("consumer_group", group);
        config.put("start_from_oldest", "true");
        return config;
    }

    private static void produce(String topic, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers()), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, ("record " + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    /** Calls the trigger until it returns items (the first calls wait for the group to form), at most {@code capacity}. */
    private static List<TriggerResult> next(TriggerHarness harness, int capacity) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            List<TriggerResult> items = harness.trigger(capacity);
            if (!items.isEmpty()) {
                return items;
            }
        }
        throw new AssertionError("no records within 60 s");
    }

    private static long committed(String group, String topic) throws Exception {
        try (Admin admin = BROKER.admin()) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).get(new TopicPartition(topic, 0));
            return offset == null ? -1 : offset.offset();
        }
    }

    private static List<String> marks(List<TriggerResult> items) {
        return items.stream().map(TriggerResult::triggerMark).toList();
    }

    private static String content(TriggerResult item) throws Exception {
        try (var in = item.content().open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void emitsEveryRecordWithItsMarkAndMetadataAndCommitsOnlyWhatWasStarted() throws Exception {
        BROKER.createTopic("orders-in", 1);
        produce("orders-in", 5);
        ConsumeKafka trigger = new ConsumeKafka();
        TriggerHarness harness = new TriggerHarness(trigger, config("orders-in", "started-only")).init();
        try {
            List<TriggerResult> first = next(harness, 3);
            assertEquals(List.of("orders-in-0-0", "orders-in-0-1", "orders-in-0-2"), marks(first), "capacity is honoured");
            assertEquals(Map.of("ConsumeKafka.Topic", "orders-in", "ConsumeKafka.Partition", 0, "ConsumeKafka.Offset", 1L),
                    first.get(1).metadata());
            assertEquals("record 1", content(first.get(1)));
            assertEquals(-1, committed("started-only", "orders-in"), "nothing committed before the engine answers");
            harness.started(first);
            assertEquals(3, committed("started-only", "orders-in"), "committed once started");

            List<TriggerResult> rest = next(harness, 10);
            assertEquals(List.of("orders-in-0-3", "orders-in-0-4"), marks(rest));
            harness.notStarted(rest, "the flow is stopping");
            assertEquals(3, committed("started-only", "orders-in"), "never past a record not started");
            List<TriggerResult> again = next(harness, 10);
            assertEquals(List.of("orders-in-0-3", "orders-in-0-4"), marks(again), "records not started come again");
            assertEquals("record 4", content(again.get(1)));
        } finally {
            trigger.close();
        }
        // a restart: the records not committed come again, to another instance of the group
        ConsumeKafka restarted = new ConsumeKafka();
        TriggerHarness after = new TriggerHarness(restarted, config("orders-in", "started-only")).init();
        try {
            List<TriggerResult> items = next(after, 10);
            assertEquals(List.of("orders-in-0-3", "orders-in-0-4"), marks(items));
            after.started(items);
            assertEquals(5, committed("started-only", "orders-in"));
        } finally {
            restarted.close();
        }
    }

    @Test
    void aRecordStartedBehindOneNotStartedIsNotEmittedAgain() throws Exception {
        BROKER.createTopic("mixed", 1);
        produce("mixed", 3);
        ConsumeKafka trigger = new ConsumeKafka();
        TriggerHarness harness = new TriggerHarness(trigger, config("mixed", "mixed-group")).init();
        try {
            List<TriggerResult> items = next(harness, 3);
            assertEquals(3, items.size());
            harness.itemsReceived(List.of(ItemOutcome.started(items.get(0), UUID.randomUUID()),
                    ItemOutcome.notStarted(items.get(1), "content unreadable"),
                    ItemOutcome.started(items.get(2), UUID.randomUUID())));
            assertEquals(1, committed("mixed-group", "mixed"));
            List<TriggerResult> again = next(harness, 3);
            assertEquals(List.of("mixed-0-1"), marks(again), "only the record not started comes again");
            harness.started(again);
            assertEquals(3, committed("mixed-group", "mixed"), "the commit passes the one accepted earlier");
        } finally {
            trigger.close();
        }
    }

    @Test
    void aSessionThatEndsBeforeItsOffsetIsCommittedIsNotRunAgainAfterARestart() throws Exception {
        BROKER.createTopic("re-covered-7", 1);
        produce("re-covered-7", 2);
        InMemoryState state = new InMemoryState();
        // after a crash between the start of both records' sessions and the commit: the engine recovers the
        // sessions and tells the new trigger of their ends before it has fetched anything
        ConsumeKafka trigger = new ConsumeKafka();
        TriggerHarness harness = new TriggerHarness(trigger, config("re-covered-7", "recovered-group"), state).init();
        try {
            harness.sessionEnded("re-covered-7-0-0", "");
            assertEquals("ended", state.get(StateScope.LOCAL).get("re-covered-7-0-0"), "kept before the end is logged");
            List<TriggerResult> items = next(harness, 10);
            assertEquals(List.of("re-covered-7-0-1"), marks(items), "the ended one is not emitted again");
            harness.started(items);
            assertEquals(2, committed("recovered-group", "re-covered-7"));
            assertEquals(Map.of(), state.get(StateScope.LOCAL), "forgotten once the commit passed it");
        } finally {
            trigger.close();
        }
    }

    @Test
    void badConfigurationIsAnErrorNamingTheKey() {
        Map<String, Object> noGroup = config("any", "g");
        noGroup.remove("consumer_group");
        Exception missing = assertThrows(Exception.class, // the declared keys: checked before init
                () -> new TriggerHarness(new ConsumeKafka(), noGroup).init());
        assertTrue(missing.getMessage().contains("'consumer_group' is required"), missing.getMessage());

        Map<String, Object> autoCommit = config("any", "g");
        autoCommit.put("enable.auto.commit", "true");
        IllegalArgumentException commit = assertThrows(IllegalArgumentException.class,
                () -> new TriggerHarness(new ConsumeKafka(), autoCommit).init());
        assertTrue(commit.getMessage().contains("'enable.auto.commit' cannot be true"), commit.getMessage());

        Map<String, Object> oldest = config("any", "g");
        oldest.put("start_from_oldest", "yes");
        Exception bool = assertThrows(Exception.class,
                () -> new TriggerHarness(new ConsumeKafka(), oldest).init());
        assertTrue(bool.getMessage().contains("'start_from_oldest' must be true or false, was \"yes\""), bool.getMessage());
    }

    @Test
    void aBrokerThatIsNotThereMakesTheCallSayNotNowWithTheReason() throws Exception {
        Map<String, Object> config = config("nowhere", "g");
        config.put("bootstrap_servers", "127.0.0.1:1");
        config.put("default.api.timeout.ms", "1000");
        ConsumeKafka trigger = new ConsumeKafka();
        TriggerHarness harness = new TriggerHarness(trigger, config).init();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            StepUnavailableException notNow = null;
            while (notNow == null && System.nanoTime() < deadline) {
                try {
                    assertEquals(List.of(), harness.trigger(10));
                } catch (StepUnavailableException e) {
                    notNow = e;
                }
            }
            assertTrue(notNow != null, "no 'not now' within 30 s");
            assertTrue(notNow.reason().contains("no partition of [nowhere] assigned to group 'g' at 127.0.0.1:1 for 1000 ms"),
                    notNow.reason());
        } finally {
            trigger.close();
        }
    }
}
