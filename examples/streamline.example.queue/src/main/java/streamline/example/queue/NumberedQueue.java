package streamline.example.queue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
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
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;

/**
 * Trigger {@code NumberedQueue}: a stand-in for a message queue that redelivers every message until
 * it is acknowledged. Its messages are the numbers 1 to {@code count}; a number is acknowledged by a
 * file named after it in {@code ackDirectory} (relative to the framework property
 * {@code streamline.home}), written when its session ends.
 *
 * <p>It follows the exactly-once pattern of {@link TriggerProcessor}, and so gets every number processed
 * exactly once through crashes and restarts, keeping no state of its own but the source's acknowledgments:
 * <ul>
 * <li>the mark of an item is its number;</li>
 * <li>it emits every number not acknowledged and not emitted in this run, and forgets an emission the
 * engine did not start ({@link #itemsReceived}); after a restart it emits every unacknowledged number
 * again, and the engine answers those whose sessions are in progress as duplicates;</li>
 * <li>it acknowledges a number only in {@link #sessionEnded} (idempotently: told again after a crash, the
 * acknowledgment is already there).</li>
 * </ul>
 * Metadata: {@code Queue.Number}; content: {@code item <number>} and a line feed.
 */
@ProcessorConfig(description = "A stand-in for a message queue: emits the numbers 1 to count until each is acknowledged.", keys = {
        @ConfigKey(name = "count", type = ConfigType.INTEGER, required = true, description = "How many numbers, 0 or more."),
        @ConfigKey(name = "ackDirectory", required = true,
                description = "Where a number's acknowledgment is written when its session ends, relative to streamline.home.") })
@Component(service = TriggerProcessor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=NumberedQueue")
public class NumberedQueue implements TriggerProcessor {

    private final Path home;
    private int count;
    private Path acknowledged;
    /** Numbers emitted in this run whose sessions have not ended. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    @Activate
    public NumberedQueue(BundleContext context) {
        this(Path.of(context.getProperty("streamline.home") == null ? "." : context.getProperty("streamline.home")));
    }

    /** Outside a framework (tests): {@code ackDirectory} is relative to {@code home}. */
    public NumberedQueue(Path home) {
        this.home = home;
    }

    @Override
    public ScheduleType scheduleType() {
        return ScheduleType.EVENT;
    }

    @Override
    public void init(ProcessorContext context) throws IOException {
        count = context.config("count", Integer.class);
        if (count < 0) {
            throw new IllegalArgumentException("count must be 0 or more, was " + count);
        }
        acknowledged = home.resolve(context.config("ackDirectory").trim());
        Files.createDirectories(acknowledged);
    }

    @Override
    public List<TriggerResult> trigger(TriggerContext context) {
        List<TriggerResult> items = new ArrayList<>();
        for (int number = 1; number <= count && items.size() < context.capacity(); number++) {
            String mark = Integer.toString(number);
            if (!inFlight.contains(mark) && !Files.exists(acknowledged.resolve(mark))) {
                byte[] content = ("item " + number + "\n").getBytes(StandardCharsets.UTF_8);
                items.add(new TriggerResult(Map.of("Queue.Number", number), mark, () -> new ByteArrayInputStream(content)));
                inFlight.add(mark);
            }
        }
        return items;
    }

    @Override
    public void itemsReceived(List<ItemOutcome> outcomes) {
        for (ItemOutcome outcome : outcomes) {
            if (!outcome.accepted()) {
                inFlight.remove(outcome.item().triggerMark()); // delivered again by the next call
            }
        }
    }

    @Override
    public void sessionEnded(SessionUpdate update) {
        try {
            acknowledge(update.triggerMark());
            inFlight.remove(update.triggerMark());
        } catch (IOException e) {
            // left in flight: not delivered again in this run; after a restart it is, and processed again
            throw new IllegalStateException("cannot acknowledge item " + update.triggerMark() + ": " + e, e);
        }
    }

    /** Writes the acknowledgment durably: forced, so that a crash after the session's end cannot lose it. */
    private void acknowledge(String mark) throws IOException {
        try (FileChannel ack = FileChannel.open(acknowledged.resolve(mark), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ack.force(true);
        } catch (FileAlreadyExistsException e) {
            // told again after a restart: already acknowledged
        }
    }
}
