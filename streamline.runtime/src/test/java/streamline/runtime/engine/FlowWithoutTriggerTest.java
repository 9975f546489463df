package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerProcessor;
import streamline.testkit.TestFlows;

/**
 * A flow with no enabled trigger is activated, so that sessions can be submitted to it, and the engine says once,
 * naming the flow, that nothing but a submission starts it.
 */
class FlowWithoutTriggerTest {

    @TempDir
    Path directory;

    private EngineHarness harness;
    private final List<LogEvent> warnings = new CopyOnWriteArrayList<>();
    private AbstractAppender capture;
    private LoggerConfig activationLog;

    @BeforeEach
    void start() throws Exception {
        capture = new AbstractAppender("capture-activation", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
                    warnings.add(event.toImmutable());
                }
            }
        };
        capture.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        activationLog = new LoggerConfig(FlowActivation.class.getName(), Level.INFO, true);
        activationLog.addAppender(capture, Level.INFO, null);
        logging.getConfiguration().addLogger(activationLog.getName(), activationLog);
        logging.updateLoggers();
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        harness.trigger("Idle", () -> new TriggerProcessor() {
            @Override
            public ScheduleType scheduleType() {
                return ScheduleType.EVENT;
            }

            @Override
            public List<streamline.api.processor.TriggerResult> trigger(streamline.api.processor.TriggerContext context) {
                return List.of();
            }
        });
        harness.start();
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().removeLogger(activationLog.getName());
        logging.updateLoggers();
        capture.stop();
    }

    private List<String> warningsAbout(FlowDefinition flow) {
        return warnings.stream().map(event -> event.getMessage().getFormattedMessage())
                .filter(message -> message.contains(flow.id().toString())).toList();
    }

    private static TriggerDefinition idle(FlowDefinition flow, boolean enabled) {
        return TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T")).name("T").type("Idle")
                .enabled(enabled).build();
    }

    @Test
    void aFlowWithoutAnEnabledTriggerRunsSubmittedSessionsAndIsWarnedAboutOnce() throws Exception {
        FlowDefinition none = harness.activate(TestFlows.flow("no-trigger", "A"));
        FlowDefinition disabled = TestFlows.flow("disabled-trigger", "A");
        disabled = harness.activate(disabled.toBuilder().trigger(idle(disabled, false)).build());
        FlowDefinition triggered = TestFlows.flow("triggered", "A");
        triggered = harness.activate(triggered.toBuilder().trigger(idle(triggered, true)).build());

        harness.submit(none, Map.of("n", 1));
        harness.submit(disabled, Map.of("n", 2));
        harness.awaitEnded(2);

        for (FlowDefinition flow : List.of(none, disabled)) {
            List<String> said = warningsAbout(flow);
            assertEquals(1, said.size(), flow.name() + ": " + warnings);
            assertTrue(said.get(0).contains("flow " + flow.name() + " (" + flow.id() + ") has no enabled trigger"), said.get(0));
        }
        assertEquals(List.of(), warningsAbout(triggered), "a flow with an enabled trigger is not warned about");

        // a new version still without one: not said again
        harness.activate(none.toBuilder().description("second version").build());
        assertEquals(1, warningsAbout(none).size(), warnings.toString());
        harness.submit(none, Map.of("n", 3));
        harness.awaitEnded(3);
    }
}
