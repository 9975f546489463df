package streamline.cron.support;

import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.TimeZone;

import org.quartz.CronExpression;

/**
 * A trigger's cron schedule: Quartz's cron syntax (seconds first, six or seven fields). The Go
 * project's expressions put {@code *} in both day fields (for example {@code "*}{@code /10 * * * * *"}),
 * which Quartz refuses; a {@code *} day-of-week beside a day-of-month, or a {@code *} day-of-month beside
 * a day-of-week, is read as Quartz's {@code ?} ("no specific value"), which means the same thing.
 */
public final class CronSchedule {

    private final String text;
    private final CronExpression expression;

    private CronSchedule(String text, CronExpression expression) {
        this.text = text;
        this.expression = expression;
    }

    /**
     * Parses a cron expression.
     *
     * @throws IllegalArgumentException with what is wrong, when the expression is invalid
     */
    public static CronSchedule parse(String text) {
        String[] fields = text.trim().split("\\s+");
        if (fields.length < 6 || fields.length > 7) {
            throw new IllegalArgumentException("cron expression '" + text + "' has " + fields.length
                    + " fields; expected 6 or 7: seconds minutes hours day-of-month month day-of-week [year]");
        }
        if (fields[3].equals("*") && !fields[5].equals("?")) {
            if (fields[5].equals("*")) {
                fields[5] = "?";
            } else {
                fields[3] = "?";
            }
        } else if (fields[5].equals("*") && !fields[3].equals("?")) {
            fields[5] = "?";
        }
        try {
            CronExpression expression = new CronExpression(String.join(" ", fields));
            expression.setTimeZone(TimeZone.getDefault());
            return new CronSchedule(text, expression);
        } catch (ParseException e) {
            throw new IllegalArgumentException("invalid cron expression '" + text + "': " + e.getMessage()
                    + " (near position " + (e.getErrorOffset() + 1) + ")", e);
        }
    }

    /** The first fire time strictly after {@code after}; empty if the schedule never fires again. */
    public Optional<Instant> next(Instant after) {
        Date next = expression.getNextValidTimeAfter(Date.from(after));
        return Optional.ofNullable(next).map(Date::toInstant);
    }

    @Override
    public String toString() {
        return text;
    }
}
