package streamline.api.flow;

import java.util.Locale;

/** The log level a processor's definition gives its log lines. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR;

    /**
     * Parses a level as flow files write it: {@code trace}, {@code debug}, {@code info},
     * {@code warn} (or {@code warning}), {@code error}, in any case.
     *
     * @throws IllegalArgumentException for anything else, naming the accepted values
     */
    public static LogLevel parse(String text) {
        if (text != null) {
            switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "trace": return TRACE;
                case "debug": return DEBUG;
                case "info": return INFO;
                case "warn":
                case "warning": return WARN;
                case "error": return ERROR;
                default: break;
            }
        }
        throw new IllegalArgumentException("unknown log level '" + text
                + "' (expected trace, debug, info, warn, warning or error)");
    }

    /** The level as flow files write it. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
