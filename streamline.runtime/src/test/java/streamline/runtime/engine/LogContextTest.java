package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.testkit.TestFlows;

/**
 * Every line a trigger logs names the session it is about, whichever engine thread tells it: the ends of many
 * sessions, queued while the trigger's call was in progress and then told one after another on one thread, each
 * carry their own session, and the trigger's name; what it logs about its items carries no session.
 */
class LogContextTest {

    private static final String FLOW = "log-context";
    private static final int ITEMS = 12;

    @TempDir
    Path directory;

    EngineHarness harness;
    final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private AbstractAppender capture;
    private LoggerConfig loggerConfig;
    private LoggerConfig outcomesConfig;

    @BeforeEach
    void start() {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        capture.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        loggerConfig = new LoggerConfig("streamline.flow." + FLOW, Level.TRACE, false);
        loggerConfig.addAppender(capture, Level.TRACE, null);
        logging.getConfiguration().addLogger(loggerConfig.getName(), loggerConfig);
        outcomesConfig = new LoggerConfig(SessionOutcomes.class.getName(), Level.TRACE, false);
        outcomesConfig.addAppender(capture, Level.TRACE, null);
        logging.getConfiguration().addLogger(outcomesConfig.getName(), outcomesConfig);
        logging.updateLoggers();
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = logging.getConfiguration();
        configuration.removeLogger(loggerConfig.getName());
        configuration.removeLogger(outcomesConfig.getName());
        logging.updateLoggers();
        capture.stop();
    }

    /** Emits its items in its first call, blocks in its second until released, and logs what it is told. */
    static final class Chatty implements TriggerProcessor {
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch inSecondCall = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Map<String, UUID> sessions = new ConcurrentHashMap<>();
        volatile System.Logger logger;
        volatile boolean failEnds;

        @Override
        public void init(ProcessorContext context) {
            logger = context.logger();
        }

        @Override
        public ScheduleType scheduleType() {
            return ScheduleType.EVENT;
        }

        @Override
        public List<TriggerResult> trigger(TriggerContext context) throws InterruptedException {
            int call = calls.incrementAndGet();
            if (call == 1) {
                List<TriggerResult> items = new ArrayList<>();
                for (int i = 0; i < ITEMS; i++) {
                    items.add(TriggerResult.of(Map.of("n", i), "item-" + i));
                }
                return items;
            }
            if (call == 2) {
                inSecondCall.countDown();
                release.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            return List.of();
        }

        @Override
        public void itemsReceived(List<ItemOutcome> outcomes) {
            outcomes.forEach(outcome -> sessions.put(outcome.item().triggerMark(), outcome.sessionId()));
            logger.log(System.Logger.Level.INFO, "received " + outcomes.size());
        }

        @Override
        public void sessionEnded(SessionUpdate update) {
            logger.log(System.Logger.Level.INFO, "ended " + update.sessionId());
            if (failEnds) {
                throw new AssertionError("a trigger's own bug at the end of " + update.sessionId());
            }
        }
    }

    @Test
    void theEngineLineAboutATriggerFailingToTakeAnEndCarriesThatEndsSession() throws Exception {
        harness.start(harness.options().workers(ITEMS).eventIdle(Duration.ofMillis(5)).build());
        Chatty trigger = new Chatty();
        trigger.failEnds = true;
        harness.trigger("Chatty", () -> trigger);
        harness.processor("AfterNextCall", () -> (input, step) -> {
            trigger.inSecondCall.await();
            return input;
        });
        FlowDefinition flow = EngineTest.withProcessor(TestFlows.flow(FLOW, "A"), "A", b -> b.type("AfterNextCall"));
        harness.activate(flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T"))
                .name("T").type("Chatty").build()).build());
        assertEquals(true, trigger.inSecondCall.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "second call");
        FlowRun.TriggerSlot slot = harness.engine.activeRuns().get(0).triggers.values().iterator().next();
        // the ends queue while the call is in progress, and are told (each throwing) on the thread that made the call
        EngineHarness.await("every end queued", () -> slot.endsToTell.size() == ITEMS, slot.endsToTell::size);
        trigger.release.countDown();
        harness.awaitEnded(ITEMS);

        List<LogEvent> failures = events.stream()
                .filter(e -> e.getMessage().getFormattedMessage().contains("failed to take the end of session")).toList();
        assertEquals(ITEMS, failures.size());
        for (LogEvent failure : failures) {
            String message = failure.getMessage().getFormattedMessage();
            String session = message.replaceFirst(".*failed to take the end of session ([0-9a-f-]+).*", "$1");
            assertEquals(session, failure.getContextData().toMap().get("session"), "the session of line '" + message + "'");
            assertEquals("T", failure.getContextData().toMap().get("processor"), "the trigger of line '" + message + "'");
        }
    }

    @Test
    void endsToldTogetherOnOneThreadEachLogWithTheirOwnSessionAndTheTriggersName() throws Exception {
        harness.start(harness.options().workers(ITEMS).eventIdle(Duration.ofMillis(5)).build());
        Chatty trigger = new Chatty();
        harness.trigger("Chatty", () -> trigger);
        // the steps end only once the trigger is in its next call
        harness.processor("AfterNextCall", () -> (input, step) -> {
            trigger.inSecondCall.await();
            return input;
        });
        FlowDefinition flow = EngineTest.withProcessor(TestFlows.flow(FLOW, "A"), "A", b -> b.type("AfterNextCall"));
        harness.activate(flow.toBuilder().trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(flow.id(), "T"))
                .name("T").type("Chatty").build()).build());
        assertEquals(true, trigger.inSecondCall.await(EngineHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "second call");
        FlowRun.TriggerSlot slot = harness.engine.activeRuns().get(0).triggers.values().iterator().next();
        // the sessions end while the trigger's call is in progress: their ends queue, to be told one after another
        EngineHarness.await("every end queued", () -> slot.endsToTell.size() == ITEMS, slot.endsToTell::size);
        trigger.release.countDown();
        harness.awaitEnded(ITEMS);

        List<LogEvent> ends = events.stream().filter(e -> e.getMessage().getFormattedMessage().startsWith("ended ")).toList();
        assertEquals(ITEMS, ends.size());
        for (LogEvent end : ends) {
            Map<String, String> context = end.getContextData().toMap();
            String message = end.getMessage().getFormattedMessage();
            assertEquals(message.substring("ended ".length()), context.get("session"), "the session of line '" + message + "'");
            assertEquals("T", context.get("processor"), "the trigger of line '" + message + "'");
            assertEquals(FLOW, context.get("flow"));
        }
        List<LogEvent> received = events.stream().filter(e -> e.getMessage().getFormattedMessage().startsWith("received ")).toList();
        assertEquals(1, received.size());
        Map<String, String> context = received.get(0).getContextData().toMap();
        assertEquals("T", context.get("processor"));
        assertNull(context.get("session"), "a call's items are about no one session");
    }

    @Test
    void aStepsAndATriggersLinesCarryTheIdsOfTheirFlowAndProcessorBesideTheirNames() throws Exception {
        harness.start(harness.options().eventIdle(Duration.ofMillis(5)).build());
        Chatty trigger = new Chatty();
        trigger.release.countDown(); // its second call returns at once
        harness.trigger("Chatty", () -> trigger);
        harness.processor("Logging", () -> new streamline.api.processor.Processor() {
            private System.Logger logger;

            @Override
            public void init(ProcessorContext context) {
                logger = context.logger();
            }

            @Override
            public streamline.api.processor.FlowObject process(streamline.api.processor.FlowObject input,
                    streamline.api.processor.StepContext step) {
                logger.log(System.Logger.Level.INFO, "step of " + step.sessionId());
                return input;
            }
        });
        FlowDefinition flow = EngineTest.withProcessor(TestFlows.flow(FLOW, "A"), "A", b -> b.type("Logging"));
        UUID triggerId = TriggerDefinition.idFromName(flow.id(), "T");
        UUID stepId = flow.processors().get(0).id();
        harness.activate(flow.toBuilder().trigger(TriggerDefinition.builder().id(triggerId).name("T").type("Chatty").build()).build());
        harness.awaitEnded(ITEMS);

        List<LogEvent> steps = events.stream().filter(e -> e.getMessage().getFormattedMessage().startsWith("step of ")).toList();
        assertEquals(ITEMS, steps.size());
        for (LogEvent step : steps) {
            Map<String, String> context = step.getContextData().toMap();
            assertEquals(FLOW, context.get("flow"));
            assertEquals(flow.id().toString(), context.get("flowId"));
            assertEquals("A", context.get("processor"));
            assertEquals(stepId.toString(), context.get("processorId"));
            assertEquals(step.getMessage().getFormattedMessage().substring("step of ".length()), context.get("session"));
        }
        List<LogEvent> told = events.stream().filter(e -> e.getMessage().getFormattedMessage().startsWith("ended ")
                || e.getMessage().getFormattedMessage().startsWith("received ")).toList();
        assertEquals(ITEMS + 1, told.size());
        for (LogEvent line : told) {
            Map<String, String> context = line.getContextData().toMap();
            assertEquals(flow.id().toString(), context.get("flowId"), line.getMessage().getFormattedMessage());
            assertEquals("T", context.get("processor"));
            assertEquals(triggerId.toString(), context.get("processorId"), line.getMessage().getFormattedMessage());
        }
        // the thread's context is put back as it was: no id is left over on a line about no flow
        assertNull(org.apache.logging.log4j.ThreadContext.get("flowId"));
        assertNull(org.apache.logging.log4j.ThreadContext.get("processorId"));
    }
}
