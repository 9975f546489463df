package streamline.torture;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log line that carries a session in its thread context and names a session in its text names that one
 * (a queued end was once drained under another session's context). Collects the lines that do not.
 */
final class SessionLogCheck extends AbstractAppender {

    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private final World world;
    private final Set<String> sessions;

    private SessionLogCheck(World world, Set<String> sessions) {
        super("torture-session-check-" + System.identityHashCode(world), null, null, true, Property.EMPTY_ARRAY);
        this.world = world;
        this.sessions = sessions;
    }

    /** Attaches a check to the root logger; {@code sessions} is the set of session ids the world knows, kept up to date. */
    static SessionLogCheck attach(World world, Set<String> sessions) {
        SessionLogCheck check = new SessionLogCheck(world, sessions);
        check.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        configuration.getRootLogger().addAppender(check, null, null);
        context.updateLoggers();
        return check;
    }

    void detach() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }

    @Override
    public void append(LogEvent event) {
        String context = event.getContextData().getValue("session");
        if (context == null) {
            return;
        }
        String text = event.getMessage().getFormattedMessage();
        Matcher matcher = UUID_TEXT.matcher(text);
        while (matcher.find()) {
            String named = matcher.group();
            if (!named.equals(context) && sessions.contains(named)) {
                world.violation("a log line of thread " + event.getThreadName() + " carries session " + context
                        + " in its context but is about session " + named + ": \"" + abbreviate(text) + "\"");
                return;
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
