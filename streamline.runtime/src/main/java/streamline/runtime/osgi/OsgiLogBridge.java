package streamline.runtime.osgi;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Writes what the framework and SCR log through the OSGi Log Service (a failed activation, a configuration
 * value SCR could not convert, a bundle that failed to start) into Log4j, so that it reaches
 * {@code logs/streamline.log} and not only standard output, which a service manager throws away.
 * Only when the framework property {@value #PROPERTY} is {@code true} (the launcher sets it): a container
 * of its own (Karaf's Pax Logging) already does this.
 */
// a stable component name (scr:list, the shell, Config Admin tooling), independent of the class's package
@Component(name = "streamline.runtime.OsgiLogBridge", service = {}, immediate = true)
public class OsgiLogBridge implements LogListener {

    static final String PROPERTY = "streamline.log.osgi.to.log4j";
    /**
     * The entries passed on: warnings and errors (the Log Service's own default level). Felix Log also records
     * every bundle and service event at info, which would bury the log.
     */
    private static final LogLevel PASSED = LogLevel.WARN;

    /** Optional: without a Log Service (a test framework) there is nothing to pass on; greedy, so one arriving later is used. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private LogReaderService reader;

    private boolean listening;

    @Activate
    void activate(BundleContext context) {
        if (reader == null || !Boolean.parseBoolean(context.getProperty(PROPERTY))) {
            return;
        }
        // what was logged before (the Log Service keeps the latest entries, newest first), oldest first
        List<LogEntry> earlier = new ArrayList<>();
        for (Enumeration<LogEntry> entries = reader.getLog(); entries.hasMoreElements();) {
            LogEntry entry = entries.nextElement();
            earlier.add(0, entry);
        }
        reader.addLogListener(this);
        listening = true;
        earlier.forEach(this::logged);
    }

    @Deactivate
    void deactivate() {
        if (listening) {
            reader.removeLogListener(this);
        }
    }

    @Override
    public void logged(LogEntry entry) {
        if (entry.getLogLevel().ordinal() > PASSED.ordinal()) {
            return;
        }
        String source = entry.getBundle() == null ? "framework" : entry.getBundle().getSymbolicName();
        String name = entry.getLoggerName() == null || entry.getLoggerName().isBlank() ? source : entry.getLoggerName();
        org.apache.logging.log4j.Logger logger = LogManager.getLogger("osgi." + name);
        if (entry.getException() == null) {
            logger.log(level(entry.getLogLevel()), "[{}] {}", source, entry.getMessage());
        } else {
            logger.log(level(entry.getLogLevel()), "[{}] {}", source, entry.getMessage(), entry.getException());
        }
    }

    private static Level level(LogLevel level) {
        return switch (level) {
            case AUDIT, ERROR -> Level.ERROR;
            case WARN -> Level.WARN;
            case INFO -> Level.INFO;
            case DEBUG -> Level.DEBUG;
            case TRACE -> Level.TRACE;
        };
    }
}
