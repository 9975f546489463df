package streamline.processors.kafka;

import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.ConfigKey;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.api.processor.StepUnavailableException;

/**
 * Processor {@code PublishKafka}: publishes the session's content as one Kafka record, and waits until the
 * broker has it (as far as {@code acks} asks).
 *
 * <p>Configuration (the Go project's keys): {@code bootstrap_servers} (required), {@code topic} (required; an
 * expression over the session's metadata), {@code acks}: {@code all} (the default: every in-sync replica has
 * it), {@code local} (the partition leader has it) or {@code none} (sent, not acknowledged: the offset is then
 * unknown, {@code -1}); anything else is an error. Every other key is a Kafka producer property
 * ({@code linger.ms}, 0 by default here, {@code compression.type}, {@code security.protocol}, …).
 *
 * <p>Metadata: keeps the session's and sets {@code PublishKafka.Topic}, {@code PublishKafka.Partition} and
 * {@code PublishKafka.Offset}. Content passes through unchanged.
 *
 * <p>A step run again (a retry, or after a crash between the send and the step's completion) publishes the
 * record again: Kafka holds it at least once. A broker that is not ready (it cannot be reached within
 * {@code max.block.ms} / {@code delivery.timeout.ms}, 10 s and 30 s unless the flow sets others; no partition
 * leader; fewer in-sync replicas than {@code min.insync.replicas}: whatever Kafka calls retriable, see
 * {@link BrokerNotReady}) makes the step say "not now": its session waits without spending a retry, and the step
 * runs again until the broker takes the record (or {@code streamline.maxWaitSeconds} ends the wait). A record the
 * broker refuses for itself (too large, a topic not allowed) fails the step.
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=PublishKafka")
@ProcessorConfig(description = "Publishes the session's content as one Kafka record.",
        otherKeys = KafkaSettings.CLIENT_PROPERTY, keys = {
                @ConfigKey(name = "bootstrap_servers", required = true, description = "The brokers, host:port, comma-separated."),
                @ConfigKey(name = "topic", required = true, description = "The topic (expression)."),
                @ConfigKey(name = "acks", defaultValue = "all",
                        description = "all (every in-sync replica has it), local (the leader has it) or none.") })
public class PublishKafka implements Processor {

    static final String BOOTSTRAP_SERVERS = "bootstrap_servers";
    static final String TOPIC = "topic";
    static final String ACKS = "acks";
    private static final Set<String> KNOWN = Set.of(BOOTSTRAP_SERVERS, TOPIC, ACKS);

    private KafkaProducer<byte[], byte[]> producer;
    private String bootstrapServers;
    private int maxRecordBytes;

    @Override
    public void init(ProcessorContext context) throws Exception {
        bootstrapServers = KafkaSettings.required(context, BOOTSTRAP_SERVERS);
        KafkaSettings.present(context, TOPIC);
        Properties properties = KafkaSettings.clientProperties(context, KNOWN);
        properties.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.setProperty(ProducerConfig.ACKS_CONFIG, acks(context));
        // a step waits for its own record: lingering to fill a batch would only delay it (concurrent steps still share batches)
        properties.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "0");
        maxRecordBytes = Integer.parseInt(properties.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1048576").trim());
        try {
            producer = KafkaSettings.withOwnClassLoader(
                    () -> new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer()));
        } catch (KafkaException e) {
            throw new IllegalArgumentException(KafkaSettings.where(context) + ": cannot create the Kafka producer: " + e.getMessage(), e);
        }
    }

    /** The Go project's {@code acks} values as Kafka's. */
    private static String acks(ProcessorContext context) {
        String value = context.optionalConfig(ACKS).map(String::trim).orElse("all");
        return switch (value) {
            case "all" -> "all";
            case "local" -> "1";
            case "none" -> "0";
            default -> throw new IllegalArgumentException(KafkaSettings.where(context) + ": '" + ACKS
                    + "' must be all, local or none, was '" + value + "'");
        };
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        String topic = step.config(TOPIC).trim();
        byte[] value;
        try (InputStream content = step.readContent()) {
            // read one byte past the limit: a larger content is refused here, not by the broker after a send
            value = content.readNBytes(maxRecordBytes + 1);
        }
        if (value.length > maxRecordBytes) {
            throw new IllegalArgumentException("the content is larger than max.request.size (" + maxRecordBytes
                    + " bytes) of " + KafkaSettings.where(step) + "; set max.request.size (and the topic's max.message.bytes) to publish it");
        }
        RecordMetadata sent;
        try {
            sent = producer.send(new ProducerRecord<>(topic, value)).get();
        } catch (ExecutionException e) {
            throw failure(topic, e.getCause() == null ? e : e.getCause());
        } catch (KafkaException e) {
            throw failure(topic, e);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("PublishKafka.Topic", sent.topic());
        values.put("PublishKafka.Partition", sent.partition());
        values.put("PublishKafka.Offset", sent.offset());
        return input.withAll(values);
    }

    /**
     * The broker not being ready is the world, not the session: the step waits without spending a retry and runs
     * again (publishing again: a record whose acknowledgement timed out may be on the topic twice). Anything else
     * fails the step.
     */
    private Exception failure(String topic, Throwable cause) {
        if (BrokerNotReady.isNotReady(cause)) {
            return new StepUnavailableException("cannot publish to topic '" + topic + "' at " + bootstrapServers
                    + ", the broker is not ready: " + cause, cause);
        }
        return new IllegalStateException("cannot publish to topic '" + topic + "' at " + bootstrapServers + ": " + cause, cause);
    }

    @Override
    public void close() {
        if (producer != null) {
            // sends in flight get this long: a broker that is gone does not hold the flow's stop forever
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
