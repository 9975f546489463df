package streamline.example.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.TriggerResult;
import streamline.testkit.ProcessorHarness.TriggerHarness;

/** The trigger runs without a framework or an engine, through the test kit's harness. */
class NumberedQueueTest {

    @TempDir
    Path home;

    private static List<String> marks(List<TriggerResult> items) {
        return items.stream().map(TriggerResult::triggerMark).toList();
    }

    @Test
    void deliversEachNumberUntilItsSessionEndsAndAgainWhenItWasNotStarted() throws Exception {
        Map<String, String> config = Map.of("count", "5", "ackDirectory", "acks");
        TriggerHarness queue = new TriggerHarness(new NumberedQueue(home), config).init();
        List<TriggerResult> first = queue.trigger(3);
        assertEquals(List.of("1", "2", "3"), marks(first), "capacity respected");
        queue.started(first.subList(0, 2));
        queue.notStarted(first.subList(2, 3), "the log refused the batch");
        assertEquals(List.of("3", "4", "5"), marks(queue.trigger(10)), "an item not started is delivered again");

        queue.sessionEnded("1", "");
        queue.sessionEnded("1", ""); // told again after a restart
        assertTrue(Files.exists(home.resolve("acks/1")));
        assertTrue(queue.trigger(10).isEmpty(), "nothing new in this run");

        // a restart: everything not acknowledged is delivered again (the engine answers live ones as duplicates)
        TriggerHarness restarted = new TriggerHarness(new NumberedQueue(home), config).init();
        assertEquals(List.of("2", "3", "4", "5"), marks(restarted.trigger(10)));
    }

    @Test
    void itsDeclaredKeysAreCheckedBeforeInit() {
        InvalidFlowException notANumber = assertThrows(InvalidFlowException.class,
                () -> new TriggerHarness(new NumberedQueue(home), Map.of("count", "many", "ackDirectory", "acks")).init());
        assertTrue(notANumber.getMessage().contains("key 'count' must be a whole number, was \"many\""), notANumber.getMessage());
        InvalidFlowException missing = assertThrows(InvalidFlowException.class,
                () -> new TriggerHarness(new NumberedQueue(home), Map.of("count", 3)).init());
        assertTrue(missing.getMessage().contains("key 'ackDirectory' is required"), missing.getMessage());
        assertTrue(Files.notExists(home.resolve("acks")), "init was not called");
    }
}
