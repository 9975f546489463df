package streamline.processors.kafka;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.engine.SessionUpdate;
import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.StepUnavailableException;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.api.state.StateException;
import streamline.api.state.StateScope;

/**
 * Trigger {@code ConsumeKafka}: starts a session for every record of the topics it subscribes to, with the
 * record's value as content.
 *
 * <p>Configuration (the Go project's keys): {@code topic_names} (required; comma-separated),
 * {@code bootstrap_servers} (required), {@code consumer_group} (required), {@code start_from_oldest}
 * ({@code true}: a group without committed offsets starts at the oldest record; default {@code false}: at the
 * newest). Every other key is a Kafka consumer property; {@code enable.auto.commit} cannot be turned on.
 *
 * <p>Metadata: {@code ConsumeKafka.Topic}, {@code ConsumeKafka.Partition}, {@code ConsumeKafka.Offset}. The
 * trigger mark is {@code topic-partition-offset}.
 *
 * <p>Exactly once: a record's offset is committed only once the engine answers that its session is durably
 * started (or already live), in {@link #itemsReceived}, so a crash never loses a record, and after a restart
 * the records not committed come again and the engine answers those still live as duplicates. An offset is
 * never committed past a record whose session was not started: the consumer goes back to it. A session that
 * ends before its offset could be committed (the commit failed, or the session was recovered after a crash)
 * is remembered in the trigger's state until the commit passes it, so its record is not processed again.
 * A consumer that gets no partition for {@code default.api.timeout.ms} (15 s unless the flow sets another: the
 * broker cannot be reached, or the topics do not exist), or a fetch that fails with an error Kafka calls retriable
 * ({@link BrokerNotReady}), makes the call say "not now" ({@link StepUnavailableException}) with that reason: no
 * record is lost or skipped, and the engine calls the trigger again after a pause. A broker that goes away after
 * the partitions were assigned gives empty calls until it is back; offsets whose commit failed meanwhile are
 * committed then. One instance per group is what is tested; with several, a partition taken
 * away is forgotten (its records fetched and not emitted are dropped, to come to its new owner).
 */
@Component(service = TriggerProcessor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ConsumeKafka")
@ProcessorConfig(description = "Starts a session for every record of the topics it subscribes to.",
        otherKeys = KafkaSettings.CLIENT_PROPERTY, keys = {
                @ConfigKey(name = "topic_names", required = true, description = "The topics, comma-separated."),
                @ConfigKey(name = "bootstrap_servers", required = true, description = "The brokers, host:port, comma-separated."),
                @ConfigKey(name = "consumer_group", required = true, description = "The consumer group."),
                @ConfigKey(name = "start_from_oldest", type = ConfigType.BOOLEAN, defaultValue = "false",
                        description = "A group without committed offsets starts at the oldest record (else the newest).") })
public class ConsumeKafka implements TriggerProcessor {

    static final String TOPIC_NAMES = "topic_names";
    static final String BOOTSTRAP_SERVERS = "bootstrap_servers";
    static final String CONSUMER_GROUP = "consumer_group";
    static final String START_FROM_OLDEST = "start_from_oldest";
    private static final Set<String> KNOWN = Set.of(TOPIC_NAMES, BOOTSTRAP_SERVERS, CONSUMER_GROUP, START_FROM_OLDEST);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final String ENDED = "ended";

    private final Object lock = new Object();
    private ProcessorContext context;
    private KafkaConsumer<byte[], byte[]> consumer;
    private List<String> topics;
    private String group;
    private String bootstrapServers;
    private Duration unassignedLimit;
    private long unassignedSince = -1;
    /** Records fetched, not yet emitted: a poll may bring more than the engine takes in one call. */
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> fetched = new ArrayDeque<>();
    /** The records the last call looked at, in fetch order, for {@link #itemsReceived}. */
    private final List<Looked> lastCall = new ArrayList<>();
    /** The next offset to commit per partition, committed or not yet. */
    private final Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
    /** The next offset committed per partition. */
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    /** Marks of records whose sessions are started or ended but whose offsets are behind one not started: not emitted again. */
    private final Set<String> accepted = new HashSet<>();

    /** A record a call looked at: emitted as {@code index} of the call's results, or (-1) already accepted. */
    private record Looked(TopicPartition partition, long offset, String mark, int index) {
    }

    @Override
    public ScheduleType scheduleType() {
        return ScheduleType.EVENT;
    }

    @Override
    public void init(ProcessorContext processorContext) throws Exception {
        this.context = processorContext;
        topics = Arrays.stream(KafkaSettings.required(processorContext, TOPIC_NAMES).split(","))
                .map(String::trim).filter(name -> !name.isEmpty()).toList();
        Properties properties = KafkaSettings.clientProperties(processorContext, KNOWN);
        if (Boolean.parseBoolean(properties.getProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false").trim())) {
            throw new IllegalArgumentException(KafkaSettings.where(processorContext) + ": '" + ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG
                    + "' cannot be true: offsets are committed once the sessions of their records are started");
        }
        properties.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        bootstrapServers = KafkaSettings.required(processorContext, BOOTSTRAP_SERVERS);
        group = KafkaSettings.required(processorContext, CONSUMER_GROUP);
        properties.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
        unassignedLimit = Duration.ofMillis(Long.parseLong(properties.getProperty(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG).trim()));
        properties.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                KafkaSettings.bool(processorContext, START_FROM_OLDEST, false) ? "earliest" : "latest");
        processorContext.state().get(StateScope.LOCAL).forEach((mark, status) -> {
            if (status.equals(ENDED)) {
                accepted.add(mark);
            }
        });
        try {
            consumer = KafkaSettings.withOwnClassLoader(
                    () -> new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
        } catch (KafkaException e) {
            throw new IllegalArgumentException(KafkaSettings.where(processorContext) + ": cannot create the Kafka consumer: " + e.getMessage(), e);
        }
        consumer.subscribe(topics, new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                commitPending(); // called inside poll, on the trigger's thread
                forgetPartitions(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                forgetPartitions(partitions); // another consumer may have committed meanwhile
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                forgetPartitions(partitions);
            }
        });
    }

    /** Forgets what is known of partitions this consumer no longer owns, or owns anew. */
    private void forgetPartitions(Collection<TopicPartition> partitions) {
        fetched.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
        partitions.forEach(partition -> {
            toCommit.remove(partition);
            committed.remove(partition);
        });
    }

    @Override
    public List<TriggerResult> trigger(TriggerContext call) throws Exception {
        synchronized (lock) {
            lastCall.clear();
            commitPending(); // an earlier commit that failed
            List<TriggerResult> results = new ArrayList<>();
            boolean polled = false;
            while (results.size() < call.capacity()) {
                if (fetched.isEmpty()) {
                    if (polled || !lastCall.isEmpty()) {
                        break; // a poll that fails must not lose records taken already
                    }
                    poll();
                    polled = true;
                    checkAssigned();
                    continue;
                }
                ConsumerRecord<byte[], byte[]> record = fetched.poll();
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                String mark = mark(record.topic(), record.partition(), record.offset());
                if (accepted.contains(mark)) {
                    lastCall.add(new Looked(partition, record.offset(), mark, -1));
                    continue;
                }
                lastCall.add(new Looked(partition, record.offset(), mark, results.size()));
                results.add(item(record, mark));
            }
            if (results.isEmpty()) {
                settle(List.of()); // only records accepted earlier: their offsets may be committed now
            }
            return results;
        }
    }

    /** Fetches records; a broker that is not ready is "not now", not the trigger's failure. */
    private void poll() throws StepUnavailableException {
        try {
            consumer.poll(POLL).forEach(fetched::add);
        } catch (KafkaException e) {
            if (BrokerNotReady.isNotReady(e)) {
                throw new StepUnavailableException(KafkaSettings.where(context) + ": cannot fetch from " + topics + " at "
                        + bootstrapServers + ", the broker is not ready: " + e, e);
            }
            throw e;
        }
    }

    /**
     * A consumer without partitions keeps trying quietly; after {@code default.api.timeout.ms} the call says "not
     * now" with the reason instead, so the flow's log says what is wrong (and the engine pauses the trigger).
     */
    private void checkAssigned() throws StepUnavailableException {
        if (!consumer.assignment().isEmpty()) {
            unassignedSince = -1;
            return;
        }
        long now = System.nanoTime();
        if (unassignedSince < 0) {
            unassignedSince = now;
        } else if (now - unassignedSince > unassignedLimit.toNanos()) {
            unassignedSince = -1;
            throw new StepUnavailableException(KafkaSettings.where(context) + ": no partition of " + topics + " assigned to group '"
                    + group + "' at " + bootstrapServers + " for " + unassignedLimit.toMillis()
                    + " ms: the broker cannot be reached, or the topics do not exist");
        }
    }

    private static TriggerResult item(ConsumerRecord<byte[], byte[]> record, String mark) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("ConsumeKafka.Topic", record.topic());
        metadata.put("ConsumeKafka.Partition", record.partition());
        metadata.put("ConsumeKafka.Offset", record.offset());
        byte[] value = record.value() == null ? new byte[0] : record.value();
        return new TriggerResult(metadata, mark, () -> new ByteArrayInputStream(value));
    }

    static String mark(String topic, int partition, long offset) {
        return topic + "-" + partition + "-" + offset;
    }

    @Override
    public void itemsReceived(List<ItemOutcome> outcomes) {
        synchronized (lock) {
            settle(outcomes);
        }
    }

    /**
     * Commits, per partition, the offsets of the last call's records up to the first one not started; the
     * consumer goes back to that one, and those after it that were started are remembered as accepted.
     */
    private void settle(List<ItemOutcome> outcomes) {
        Set<TopicPartition> blocked = new HashSet<>();
        for (Looked looked : lastCall) {
            ItemOutcome outcome = looked.index < 0 ? null : outcomes.get(looked.index);
            boolean ok = outcome == null || outcome.accepted();
            if (blocked.contains(looked.partition)) {
                if (ok) {
                    accepted.add(looked.mark);
                }
            } else if (ok) {
                toCommit.put(looked.partition, new OffsetAndMetadata(looked.offset + 1));
            } else {
                blocked.add(looked.partition);
                consumer.seek(looked.partition, looked.offset);
                fetched.removeIf(record -> record.topic().equals(looked.partition.topic())
                        && record.partition() == looked.partition.partition());
                context.logger().log(System.Logger.Level.DEBUG, "record " + looked.mark + " not started (" + outcome.reason()
                        + "): fetched again");
            }
        }
        lastCall.clear();
        commitPending();
    }

    /** Commits what {@link #toCommit} holds beyond what is committed; a failure is logged and tried again later. */
    private void commitPending() {
        Map<TopicPartition, OffsetAndMetadata> ahead = new HashMap<>();
        toCommit.forEach((partition, offset) -> {
            if (committed.getOrDefault(partition, -1L) < offset.offset()) {
                ahead.put(partition, offset);
            }
        });
        if (ahead.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(ahead);
        } catch (KafkaException e) {
            context.logger().log(System.Logger.Level.WARNING, "cannot commit offsets " + ahead + " of group '" + group
                    + "' at " + bootstrapServers + " (tried again on the next call): " + e);
            return;
        }
        ahead.forEach((partition, offset) -> committed.put(partition, offset.offset()));
        forgetCommitted();
    }

    /** Drops the accepted marks the committed offsets have passed, from memory and from the state. */
    private void forgetCommitted() {
        if (accepted.isEmpty()) {
            return;
        }
        Set<String> passed = new HashSet<>();
        for (String mark : accepted) {
            Position position = Position.of(mark);
            if (position != null && committed.getOrDefault(position.partition, -1L) > position.offset) {
                passed.add(mark);
            }
        }
        if (passed.isEmpty()) {
            return;
        }
        accepted.removeAll(passed);
        Set<String> stored = new HashSet<>(passed);
        try {
            stored.retainAll(context.state().get(StateScope.LOCAL).keySet());
            if (!stored.isEmpty()) {
                context.state().update(StateScope.LOCAL, Map.of(), stored);
            }
        } catch (StateException e) {
            // harmless: a mark left behind the committed offset is never fetched again
            context.logger().log(System.Logger.Level.WARNING, "cannot forget ended records " + stored + ": " + e.getMessage());
        }
    }

    /**
     * A session ended. Normally its offset is committed already; if not (a commit failed, or the session was
     * recovered after a crash and its record is not fetched yet), it is committed now if it can be, or else its
     * mark is kept in the state, before the engine logs the end, so the record is not processed again.
     */
    @Override
    public void sessionEnded(SessionUpdate update) {
        Position position = Position.of(update.triggerMark());
        if (position == null) {
            return;
        }
        synchronized (lock) {
            if (committed.getOrDefault(position.partition, -1L) > position.offset) {
                return;
            }
            commitPending();
            if (committed.getOrDefault(position.partition, -1L) > position.offset) {
                return;
            }
            try {
                context.state().put(StateScope.LOCAL, update.triggerMark(), ENDED);
                accepted.add(update.triggerMark());
            } catch (StateException e) {
                context.logger().log(System.Logger.Level.ERROR, "cannot remember that the session of record " + update.triggerMark()
                        + " ended: it may be processed again after a restart: " + e.getMessage());
            }
        }
    }

    /** Where a mark points: topic names may hold dashes, so the mark is read from its end. */
    private record Position(TopicPartition partition, long offset) {
        static Position of(String mark) {
            int last = mark.lastIndexOf('-');
            int before = last <= 0 ? -1 : mark.lastIndexOf('-', last - 1);
            if (before <= 0) {
                return null;
            }
            try {
                return new Position(new TopicPartition(mark.substring(0, before), Integer.parseInt(mark.substring(before + 1, last))),
                        Long.parseLong(mark.substring(last + 1)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (consumer != null) {
                commitPending();
                // a broker that is gone does not hold the flow's stop for the client's default 30 s
                consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
                consumer = null;
            }
        }
    }
}
