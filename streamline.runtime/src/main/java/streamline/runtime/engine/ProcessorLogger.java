package streamline.runtime.engine;

import java.text.MessageFormat;
import java.util.ResourceBundle;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.LogLevel;

/**
 * The {@link System.Logger} a processor gets: lines go to Log4j 2 under
 * {@code streamline.flow.<flow>.<processor>}, at or above the level of the processor's definition.
 * The engine puts flow, session and processor into Log4j's thread context around every step, so
 * every line carries them.
 */
final class ProcessorLogger implements System.Logger {

    private final Logger logger;
    private final org.apache.logging.log4j.Level threshold;

    ProcessorLogger(String flowName, String processorName, LogLevel level) {
        this.logger = LogManager.getLogger("streamline.flow." + flowName + "." + processorName);
        this.threshold = toLog4j(level);
    }

    static org.apache.logging.log4j.Level toLog4j(LogLevel level) {
        return switch (level) {
            case TRACE -> org.apache.logging.log4j.Level.TRACE;
            case DEBUG -> org.apache.logging.log4j.Level.DEBUG;
            case INFO -> org.apache.logging.log4j.Level.INFO;
            case WARN -> org.apache.logging.log4j.Level.WARN;
            case ERROR -> org.apache.logging.log4j.Level.ERROR;
        };
    }

    private static org.apache.logging.log4j.Level toLog4j(System.Logger.Level level) {
        return switch (level) {
            case ALL, TRACE -> org.apache.logging.log4j.Level.TRACE;
            case DEBUG -> org.apache.logging.log4j.Level.DEBUG;
            case INFO -> org.apache.logging.log4j.Level.INFO;
            case WARNING -> org.apache.logging.log4j.Level.WARN;
            case ERROR -> org.apache.logging.log4j.Level.ERROR;
            case OFF -> org.apache.logging.log4j.Level.OFF;
        };
    }

    @Override
    public String getName() {
        return logger.getName();
    }

    @Override
    public boolean isLoggable(System.Logger.Level level) {
        org.apache.logging.log4j.Level log4j = toLog4j(level);
        return log4j != org.apache.logging.log4j.Level.OFF && log4j.isMoreSpecificThan(threshold) && logger.isEnabled(log4j);
    }

    @Override
    public void log(System.Logger.Level level, ResourceBundle bundle, String message, Throwable thrown) {
        if (isLoggable(level)) {
            logger.log(toLog4j(level), localized(bundle, message), thrown);
        }
    }

    @Override
    public void log(System.Logger.Level level, ResourceBundle bundle, String format, Object... params) {
        if (isLoggable(level)) {
            String pattern = localized(bundle, format);
            logger.log(toLog4j(level), params == null || params.length == 0 ? pattern : MessageFormat.format(pattern, params));
        }
    }

    @Override
    public void log(System.Logger.Level level, Supplier<String> message) {
        if (isLoggable(level)) {
            logger.log(toLog4j(level), message.get());
        }
    }

    private static String localized(ResourceBundle bundle, String key) {
        if (bundle != null && key != null && bundle.containsKey(key)) {
            return bundle.getString(key);
        }
        return key;
    }
}
