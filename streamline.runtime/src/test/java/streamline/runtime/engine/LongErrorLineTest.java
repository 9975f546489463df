package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.testkit.TestFlows;

/**
 * A plug-in's exception text can be any size: the engine's own lines about the step and its session carry its
 * start and its length, never all of it (a 1 MiB message would be a 1 MiB log line, once per attempt), while the
 * session's listeners get the whole text.
 */
class LongErrorLineTest {

    private static final int HUGE = 1 << 20;

    @TempDir
    Path directory;

    EngineHarness harness;
    final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private AbstractAppender capture;
    private LoggerConfig outcomesConfig;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (outcomesConfig != null) {
            LoggerContext logging = (LoggerContext) LogManager.getContext(false);
            logging.getConfiguration().removeLogger(outcomesConfig.getName());
            logging.updateLoggers();
            capture.stop();
        }
    }

    @Test
    void theLinesAboutAStepThatThrowsAHugeMessageAreCutAndTheListenerGetsAllOfIt() throws Exception {
        capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        capture.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        outcomesConfig = new LoggerConfig(SessionOutcomes.class.getName(), Level.TRACE, false);
        outcomesConfig.addAppender(capture, Level.TRACE, null);
        logging.getConfiguration().addLogger(outcomesConfig.getName(), outcomesConfig);
        logging.updateLoggers();

        harness = new EngineHarness(directory);
        String huge = "e".repeat(HUGE);
        harness.processor("Noop", () -> (input, step) -> {
            throw new IllegalStateException(huge);
        });
        harness.start();
        FlowDefinition flow = harness.activate(TestFlows.flow("noisy", "A"));
        UUID session = harness.submit(flow, Map.of());
        harness.awaitEnded(1);
        assertTrue(harness.ended.get(session).error().endsWith(huge), "the listener gets the whole error");
        List<String> lines = events.stream().map(e -> e.getMessage().getFormattedMessage()).toList();
        assertFalse(lines.isEmpty(), "the engine logged about the step");
        assertTrue(lines.stream().anyMatch(line -> line.contains("session " + session + " failed")), String.valueOf(lines.size()));
        for (String line : lines) {
            assertTrue(line.length() < 10_000, "a line of " + line.length() + " characters: " + line.substring(0, 200));
        }
        assertEquals(1, lines.stream().filter(line -> line.contains("session " + session + " failed")
                && line.contains("(" + harness.ended.get(session).error().length() + " characters)")).count(), lines.toString().substring(0, 500));
    }
}
