package streamline.processors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionUpdate;
import streamline.api.engine.WaitingSessions;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepContext;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;
import streamline.testkit.Eventually;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The broker goes away under running flows: a {@code PublishKafka} step says "not now" and its session waits
 * without spending a retry (the flow allows none), and once the broker is back the record is published and
 * {@code ConsumeKafka} hands it to a session of the consuming flow.
 */
class KafkaBrokerDownTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String TOPIC = "while-down";

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();

    @TempDir
    Path home;

    @Test
    void aPublishStepWaitsWhileTheBrokerIsDownAndTheRecordGoesThroughOnceItIsBack() throws Exception {
        BROKER.createTopic(TOPIC, 1);
        Queue<String> consumed = new ConcurrentLinkedQueue<>();
        Queue<SessionUpdate> ended = new ConcurrentLinkedQueue<>();
        ProcessorRegistry registry = new ProcessorRegistry();
        registry.addProcessor(ProcessorRegistry.provider("PublishKafka", 0, PublishKafka::new));
        registry.addTrigger(ProcessorRegistry.provider("ConsumeKafka", 0, ConsumeKafka::new));
        registry.addProcessor(ProcessorRegistry.provider("Collect", 0, () -> new Collect(consumed)));

        InMemoryFlowManager flows = new InMemoryFlowManager();
        UUID publishId = FlowDefinition.idFromName("publish");
        flows.save(FlowDefinition.builder().id(publishId).name("publish").active(true)
                .processor(ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(publishId, "Publish")).name("Publish")
                        .type("PublishKafka").maxRetries(0).config(Map.of("bootstrap_servers", BROKER.bootstrapServers(),
                                "topic", TOPIC, "max.block.ms", "1000", "request.timeout.ms", "5000",
                                "delivery.timeout.ms", "6000"))
                        .build())
                .build());
        UUID consumeId = FlowDefinition.idFromName("consume");
        flows.save(FlowDefinition.builder().id(consumeId).name("consume").active(true)
                .processor(ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(consumeId, "Collect")).name("Collect")
                        .type("Collect").config(Map.of()).build())
                .trigger(TriggerDefinition.builder().id(ProcessorDefinition.idFromName(consumeId, "Consume")).name("Consume")
                        .type("ConsumeKafka").config(Map.of("bootstrap_servers", BROKER.bootstrapServers(), "topic_names", TOPIC,
                                "consumer_group", "while-down-group", "start_from_oldest", "true", "session.timeout.ms", "6000",
                                "default.api.timeout.ms", "2000"))
                        .build())
                .build());

        FileWriteAheadLog log = FileWriteAheadLog.open(home.resolve("wal"), "always");
        StreamlineEngine engine = new StreamlineEngine(EngineOptions.builder(home.resolve("work")).workers(2)
                .pollInterval(Duration.ofMillis(20)).waitBackoffMax(Duration.ofSeconds(1)).build(),
                new InMemoryBranchTracker(), registry);
        engine.addListener(update -> {
            if (update.finished()) {
                ended.add(update);
            }
        });
        try {
            engine.start(log, flows);
            Eventually.await("flows active", TIMEOUT, () -> engine.activeFlows().entrySet().stream()
                    .filter(active -> active.getValue().isEmpty()).count() == 2, engine::activeFlows);

            BROKER.stop();
            byte[] content = "published while the broker was down".getBytes(StandardCharsets.UTF_8);
            UUID session = engine.submit(publishId, FlowObject.of(Map.of()), () -> new ByteArrayInputStream(content));
            Eventually.await("the publish step waiting for the broker", TIMEOUT, () -> !ended.isEmpty() || engine.waitingSessions()
                    .stream().anyMatch(waiting -> waiting.flowId().equals(publishId) && waiting.processorName().equals("Publish")),
                    () -> engine.waitingSessions() + ", ended " + ended);
            assertEquals(List.of(), List.copyOf(ended), "nothing ended while the broker was down");
            WaitingSessions waiting = engine.waitingSessions().get(0);
            assertTrue(waiting.reason().contains("cannot publish to topic '" + TOPIC + "'"), waiting.reason());

            BROKER.start();
            Eventually.await("the record published and consumed", TIMEOUT, () -> consumed.contains(new String(content,
                    StandardCharsets.UTF_8)), () -> "consumed " + consumed + ", waiting " + engine.waitingSessions() + ", ended " + ended);
            Eventually.await("the publishing session ended", TIMEOUT, () -> ended.stream()
                    .anyMatch(update -> update.sessionId().equals(session)), () -> ended);
            SessionUpdate publishEnd = ended.stream().filter(update -> update.sessionId().equals(session)).findFirst().orElseThrow();
            assertEquals("", publishEnd.error(), "the session waited, no retry spent, and succeeded");
            assertEquals(List.of(), engine.failedSessions());
            // at least once: a send whose acknowledgement timed out just as the broker came back may publish it twice
            assertTrue(consumed.stream().allMatch(new String(content, StandardCharsets.UTF_8)::equals), consumed::toString);
        } finally {
            engine.stop();
            log.close();
        }
    }

    /** Keeps the content of every session that reaches it. */
    static final class Collect implements Processor {
        private final Queue<String> consumed;

        Collect(Queue<String> consumed) {
            this.consumed = consumed;
        }

        @Override
        public FlowObject process(FlowObject input, StepContext step) throws Exception {
            try (InputStream content = step.readContent()) {
                consumed.add(new String(content.readAllBytes(), StandardCharsets.UTF_8));
            }
            return input;
        }
    }
}
