package streamline.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.processors.kafka.ConsumeKafka;
import streamline.processors.kafka.PublishKafka;
import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * Records through {@code ConsumeKafka -> PublishKafka} on the durable file log, against a plain Kafka
 * consumer-producer loop on the same broker in the same operation: poll, send every record, wait for the
 * acknowledgements ({@code acks=all}, as the flow's), then commit the polled offsets. Each operation copies
 * {@code records} records of 1 KB waiting in a topic of their own into another topic, once through the engine
 * and once through the loop (which goes first alternates), and reports {@code engineRecordsPerSecond},
 * {@code loopRecordsPerSecond} and their {@code ratio}, each from the start of consuming until the last record
 * is published.
 *
 * <p>It needs a broker: {@code -Dkafka.bootstrap=127.0.0.1:9092} (for example Kafka's server in KRaft mode on
 * 127.0.0.1, as the Kafka processors' tests start it).
 * Run: {@code java -Dkafka.bootstrap=... -jar streamline.bench/target/benchmarks.jar KafkaFlow -jvmArgsAppend -Dkafka.bootstrap=...}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class KafkaFlow {

    private static final int RECORD_BYTES = 1024;

    @Param({"5000"})
    public int records;

    /** What one operation measured. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Rates {
        public double engineRecordsPerSecond;
        public double loopRecordsPerSecond;
        public double ratio;
    }

    private String bootstrap;
    private Path home;
    private FileWriteAheadLog log;
    private StreamlineEngine engine;
    private InMemoryFlowManager flows;
    private int operations;
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicReference<String> failure = new AtomicReference<>();

    @Setup(Level.Iteration)
    public void prepare() throws Exception {
        bootstrap = System.getProperty("kafka.bootstrap");
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalStateException("KafkaFlow needs a broker: -Dkafka.bootstrap=host:port (and -jvmArgsAppend the same)");
        }
        home = Benchmarks.newDirectory("kafkaflow");
        ProcessorRegistry registry = new ProcessorRegistry();
        registry.addTrigger(ProcessorRegistry.provider("ConsumeKafka", 0, ConsumeKafka::new));
        registry.addProcessor(ProcessorRegistry.provider("PublishKafka", 0, PublishKafka::new));
        flows = new InMemoryFlowManager();
        log = FileWriteAheadLog.open(home.resolve("wal"), "always");
        engine = new StreamlineEngine(EngineOptions.builder(home.resolve("work")).workers(8).pollInterval(Duration.ofMillis(20))
                .build(), new InMemoryBranchTracker(), registry);
        engine.addListener(update -> {
            if (update.finished()) {
                if (update.failed()) {
                    failure.compareAndSet(null, update.triggerMark() + ": " + update.error());
                }
                ended.incrementAndGet();
            }
        });
        engine.start(log, flows);
    }

    @TearDown(Level.Iteration)
    public void clean() throws Exception {
        engine.stop();
        log.close();
        Benchmarks.deleteRecursively(home);
    }

    @Benchmark
    public int run(Rates rates) throws Exception {
        String run = UUID.randomUUID().toString();
        boolean engineFirst = operations++ % 2 == 0;
        for (int i = 0; i < 2; i++) {
            boolean throughEngine = (i == 0) == engineFirst;
            String in = "in-" + run + (throughEngine ? "-engine" : "-loop");
            String out = "out-" + run + (throughEngine ? "-engine" : "-loop");
            fill(in, out);
            long start = System.nanoTime();
            if (throughEngine) {
                runEngine(in, out, run);
            } else {
                runLoop(in, out, run);
            }
            double rate = records / ((System.nanoTime() - start) / 1e9);
            if (throughEngine) {
                rates.engineRecordsPerSecond = rate;
            } else {
                rates.loopRecordsPerSecond = rate;
            }
        }
        rates.ratio = rates.engineRecordsPerSecond / rates.loopRecordsPerSecond;
        return records;
    }

    /** Creates the topics (one partition each) and puts {@code records} records into {@code in}. */
    private void fill(String in, String out) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(in, 1, (short) 1), new NewTopic(out, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        byte[] value = new byte[RECORD_BYTES];
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(in, value));
            }
            producer.flush();
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void runEngine(String in, String out, String run) throws Exception {
        ended.set(0);
        failure.set(null);
        UUID flowId = FlowDefinition.idFromName("kafka-" + run);
        FlowDefinition flow = FlowDefinition.builder().id(flowId).name("kafka-" + run).active(true)
                .processor(ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(flowId, "Publish")).name("Publish")
                        .type("PublishKafka").config(Map.of("bootstrap_servers", bootstrap, "topic", out, "acks", "all")).build())
                .trigger(TriggerDefinition.builder().id(ProcessorDefinition.idFromName(flowId, "Consume")).name("Consume")
                        .type("ConsumeKafka").config(Map.of("bootstrap_servers", bootstrap, "topic_names", in,
                                "consumer_group", "engine-" + run, "start_from_oldest", "true")).build())
                .build();
        flows.save(flow);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (ended.get() < records) {
            if (failure.get() != null) {
                throw new IllegalStateException("a session failed: " + failure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + ended.get() + " of " + records + " sessions ended in 10 minutes");
            }
            Thread.sleep(2);
        }
        flows.setActive(flowId, false);
    }

    /** The baseline: poll, send, wait for every acknowledgement, commit. */
    private void runLoop(String in, String out, String run) {
        Map<String, Object> properties = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "loop-" + run, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()); KafkaProducer<byte[], byte[]> producer = producer()) {
            consumer.subscribe(List.of(in));
            int copied = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (copied < records) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + copied + " of " + records + " records copied in 10 minutes");
                }
                int polled = 0;
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    producer.send(new ProducerRecord<>(out, record.value()));
                    polled++;
                }
                if (polled > 0) {
                    producer.flush();
                    consumer.commitSync();
                    copied += polled;
                }
            }
        }
    }
}
