package streamline.torture;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * The engine's log lines of one run, kept while it runs (bounded), so that a violation's report can show the lines
 * about the sessions it names: what the engine did with them, on which thread, in which order.
 */
final class EngineLines extends AbstractAppender {

    private static final int MAX_LINES = 400_000;
    private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();

    EngineLines() {
        super("torture-engine-lines-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
    }

    void attach() {
        start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(this, null, null);
        context.updateLoggers();
    }

    void detach() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }

    @Override
    public void append(LogEvent event) {
        String session = event.getContextData().getValue("session");
        String text = event.getMessage().getFormattedMessage();
        // only lines that can be about a session: a trigger failing again and again must not crowd them out
        if (session == null && !text.contains("session") || count.incrementAndGet() > MAX_LINES) {
            return;
        }
        lines.add(Instant.ofEpochMilli(event.getTimeMillis()) + " " + event.getLevel() + " [" + event.getThreadName() + "] "
                + (session == null ? "" : session + " ") + event.getLoggerName().replaceFirst(".*\\.", "") + ": "
                + text);
    }

    /** The lines whose context or text names one of {@code sessions}, in order, at most {@code max}. */
    List<String> about(Collection<String> sessions, int max) {
        List<String> about = new ArrayList<>();
        for (String line : lines) {
            if (sessions.stream().anyMatch(line::contains)) {
                about.add(line.length() > 400 ? line.substring(0, 400) + "…" : line);
                if (about.size() >= max) {
                    break;
                }
            }
        }
        return about;
    }
}
