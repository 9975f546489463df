package streamline.api.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class LogEntryTest {

    @Test
    void factoriesFillTheKindAndNormaliseAbsentValues() {
        UUID session = UUID.randomUUID();
        UUID flow = UUID.randomUUID();
        UUID step = UUID.randomUUID();
        LogEntry started = LogEntry.stepStarted(session, flow, step, "Tag", null, Map.of("k", "v"), null, 2, List.of(step));
        assertEquals(LogEntry.Kind.STEP_STARTED, started.kind());
        assertEquals("", started.contentId());
        assertEquals("", started.triggerMark());
        assertEquals(2, started.attempt());
        assertEquals(0, started.sequence());
        assertEquals(41, started.withSequence(41).sequence());
        assertEquals(started, started.withSequence(41).withSequence(0));

        LogEntry finished = LogEntry.sessionFinished(session, flow, "mark", null);
        assertFalse(finished.failed());
        assertTrue(LogEntry.sessionFinished(session, flow, "mark", "boom").failed());
        assertEquals(null, finished.processorId());
    }

    @Test
    void stepEntriesNeedAProcessorAndAValidAttempt() {
        UUID id = UUID.randomUUID();
        assertThrows(NullPointerException.class, () -> LogEntry.stepCompleted(id, id, null, "", "", Map.of(), "", 0));
        assertThrows(IllegalArgumentException.class, () -> LogEntry.stepStarted(id, id, id, "", "", Map.of(), "", -1, List.of()));
    }
}
