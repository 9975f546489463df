package streamline.processors.kafka;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

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
 * An engine in a JVM of its own, for a test that kills it: two flows on one home folder. {@code publish} runs
 * {@code PublishKafka} to the topic {@code source} for every session submitted to it; {@code consume} is
 * {@code ConsumeKafka} on {@code source} followed by {@code Record}, which creates
 * {@code out/<trigger mark>/<session id>} holding the record's content, so a test sees which sessions
 * processed which record.
 *
 * <p>Arguments: the home folder, the bootstrap servers, and how many sessions to submit to {@code publish}
 * (0 after a restart: the engine recovers those in progress). It writes {@code submitted} into the home once
 * it has submitted them, and runs until killed.
 */
public final class KafkaFlowsEngine {

    static final String SOURCE = "source";
    static final String GROUP = "consumers";

    private KafkaFlowsEngine() {
    }

    public static void main(String[] arguments) throws Exception {
        Path home = Path.of(arguments[0]);
        String bootstrap = arguments[1];
        int submit = Integer.parseInt(arguments[2]);

        ProcessorRegistry registry = new ProcessorRegistry();
        registry.addProcessor(ProcessorRegistry.provider("PublishKafka", 0, PublishKafka::new));
        registry.addTrigger(ProcessorRegistry.provider("ConsumeKafka", 0, ConsumeKafka::new));
        registry.addProcessor(ProcessorRegistry.provider("Record", 0, () -> new Record(home.resolve("out"))));

        InMemoryFlowManager flows = new InMemoryFlowManager();
        UUID publishId = FlowDefinition.idFromName("publish");
        flows.save(FlowDefinition.builder().id(publishId).name("publish").active(true)
                .processor(ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(publishId, "Publish")).name("Publish")
                        .type("PublishKafka").config(Map.of("bootstrap_servers", bootstrap, "topic", SOURCE)).build())
                .build());
        UUID consumeId = FlowDefinition.idFromName("consume");
        flows.save(FlowDefinition.builder().id(consumeId).name("consume").active(true)
                .processor(ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(consumeId, "Record")).name("Record")
                        .type("Record").config(Map.of()).build())
                .trigger(TriggerDefinition.builder().id(ProcessorDefinition.idFromName(consumeId, "Consume")).name("Consume")
                        .type("ConsumeKafka").config(Map.of("bootstrap_servers", bootstrap, "topic_names", SOURCE,
                                "consumer_group", GROUP, "start_from_oldest", "true",
                                // a killed consumer's partition goes to the next one soon
                                "session.timeout.ms", "6000", "max.poll.records", "20"))
                        .build())
                .build());

        FileWriteAheadLog log = FileWriteAheadLog.open(home.resolve("wal"), "always");
        StreamlineEngine engine = new StreamlineEngine(EngineOptions.builder(home.resolve("work")).workers(4)
                .pollInterval(Duration.ofMillis(20)).build(), new InMemoryBranchTracker(), registry);
        engine.start(log, flows);
        Eventually.await("flows active", Duration.ofSeconds(60), () -> engine.activeFlows().entrySet().stream()
                .filter(active -> active.getValue().isEmpty()).count() == 2, engine::activeFlows);
        for (int i = 0; i < submit; i++) {
            byte[] content = ("record " + i).getBytes(StandardCharsets.UTF_8);
            engine.submit(publishId, FlowObject.of(Map.of("n", i)), () -> new ByteArrayInputStream(content));
        }
        if (submit > 0) {
            Files.writeString(home.resolve("submitted"), Integer.toString(submit));
        }
        Thread.currentThread().join(); // until killed
    }

    /** Creates {@code out/<mark>/<session id>} with the step's content: which session processed which record. */
    static final class Record implements Processor {
        private final Path out;

        Record(Path out) {
            this.out = out;
        }

        @Override
        public FlowObject process(FlowObject input, StepContext step) throws Exception {
            Path folder = Files.createDirectories(out.resolve(input.triggerMark()));
            try (InputStream content = step.readContent()) {
                Files.write(folder.resolve(step.sessionId().toString()), content.readAllBytes());
            }
            return input;
        }
    }
}
