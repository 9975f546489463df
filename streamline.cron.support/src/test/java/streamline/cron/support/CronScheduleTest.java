package streamline.cron.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class CronScheduleTest {

    @Test
    void goStyleExpressionsWithStarsInBothDayFieldsWork() {
        CronSchedule every10s = CronSchedule.parse("*/10 * * * * *");
        Instant start = Instant.parse("2026-01-01T00:00:03Z");
        Instant next = every10s.next(start).orElseThrow();
        assertEquals(0, next.getEpochSecond() % 10, "fires on a multiple of 10 s: " + next);
        assertTrue(next.isAfter(start) && next.isBefore(start.plusSeconds(11)), next.toString());
    }

    @Test
    void quartzExpressionsWork() {
        CronSchedule weekdays = CronSchedule.parse("0 0 12 ? * MON-FRI");
        assertTrue(weekdays.next(Instant.parse("2026-01-01T00:00:00Z")).isPresent());
    }

    @Test
    void invalidExpressionsAreRefusedWithWhatIsWrong() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("61 * * * * *"));
        assertTrue(error.getMessage().contains("61 * * * * *"), error.getMessage());
        error = assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * * *"));
        assertTrue(error.getMessage().contains("4 fields"), error.getMessage());
    }
}
