package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

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

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.LogLevel;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.testkit.TestFlows;

/** Flow versions, deactivation, a switch of flow store, and what a step's log lines carry. */
class FlowLifecycleTest {

    @TempDir
    Path directory;

    EngineHarness harness;

    @BeforeEach
    void start() throws Exception {
        harness = new EngineHarness(directory);
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    @Test
    void sessionsFinishOnTheDefinitionTheyStartedWithWhileNewOnesUseTheNewOne() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Map<UUID, Object> results = new ConcurrentHashMap<>();
        harness.processor("Hold", () -> (input, step) -> {
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            return input;
        });
        harness.processor("Stamp", () -> (input, step) -> {
            results.put(step.sessionId(), step.config("version"));
            return input;
        });
        harness.start();
        FlowDefinition v1 = EngineTest.withProcessor(EngineTest.withProcessor(TestFlows.flow("versions", "A->B"),
                "A", b -> b.type("Hold")), "B", b -> b.type("Stamp").config(Map.of("version", "1")));
        v1 = harness.activate(v1);
        UUID old = harness.submit(v1, Map.of());
        FlowDefinition v2 = harness.activate(EngineTest.withProcessor(v1, "B", b -> b.config(Map.of("version", "2"))));
        release.countDown();
        UUID fresh = harness.submit(v2, Map.of());
        harness.awaitEnded(2);
        assertEquals("1", results.get(old), "the running session kept its definition");
        assertEquals("2", results.get(fresh), "a new session runs the new definition");
    }

    @Test
    void aFlowSetInactiveStopsAndASwitchOfFlowStoreCarriesTheFlowsOver() throws Exception {
        harness.processor("Noop", () -> (input, step) -> input);
        harness.start();
        FlowDefinition kept = harness.activate(TestFlows.flow("kept", "A"));
        FlowDefinition dropped = harness.activate(TestFlows.flow("dropped", "A"));
        harness.flows.setActive(dropped.id(), false);
        EngineHarness.await("dropped deactivated", () -> harness.engine.activeFlows().keySet().stream()
                .noneMatch(f -> f.id().equals(dropped.id())), harness.engine::activeFlows);

        InMemoryFlowManager other = new InMemoryFlowManager();
        FlowDefinition onlyThere = other.save(TestFlows.flow("only-there", "A"));
        harness.engine.setFlowManager(other);
        EngineHarness.await("the new store's flows active beside the carried one", () -> {
            Set<UUID> active = harness.engine.activeFlows().keySet().stream().map(FlowDefinition::id).collect(Collectors.toSet());
            return active.equals(Set.of(kept.id(), onlyThere.id()));
        }, harness.engine::activeFlows);
        assertFalse(other.flow(dropped.id()).active(), "the inactive flow is carried over inactive");
    }

    @Test
    void aStepsLogLinesCarryFlowSessionAndProcessorAtTheProcessorsLevel() throws Exception {
        List<LogEvent> events = new CopyOnWriteArrayList<>();
        String loggerName = "streamline.flow.logging.A";
        AbstractAppender capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        capture.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = logging.getConfiguration();
        LoggerConfig loggerConfig = new LoggerConfig(loggerName, Level.TRACE, false);
        loggerConfig.addAppender(capture, Level.TRACE, null);
        configuration.addLogger(loggerName, loggerConfig);
        logging.updateLoggers();
        try {
            harness.processor("Chatty", () -> (input, step) -> {
                step.logger().log(System.Logger.Level.DEBUG, "debug line");
                step.logger().log(System.Logger.Level.INFO, "info line");
                return input;
            });
            harness.start();
            FlowDefinition flow = harness.activate(EngineTest.withProcessor(TestFlows.flow("logging", "A"), "A",
                    b -> b.type("Chatty").logLevel(LogLevel.INFO)));
            UUID session = harness.engine.submit(flow.id(), FlowObject.of(Map.of()), null);
            harness.awaitEnded(1);
            assertEquals(List.of("info line"), events.stream().map(e -> e.getMessage().getFormattedMessage()).toList(),
                    "the debug line is below the processor's level");
            Map<String, String> context = events.get(0).getContextData().toMap();
            assertEquals("logging", context.get("flow"));
            assertEquals(session.toString(), context.get("session"));
            assertEquals("A", context.get("processor"));
        } finally {
            configuration.removeLogger(loggerName);
            logging.updateLoggers();
            capture.stop();
        }
        assertTrue(events.size() == 1);
    }

    /** A processor that accepts only the values on an operator's list, read when it is made (as a DS component's configuration). */
    private static Processor picky(AtomicBoolean operatorAllowsTwo) {
        boolean allowsTwo = operatorAllowsTwo.get();
        return new Processor() {
            private String version;

            @Override
            public void init(ProcessorContext context) {
                version = context.config("version");
                if (version.equals("2") && !allowsTwo) {
                    throw new IllegalArgumentException("version 2 is not on the operator's list");
                }
            }

            @Override
            public FlowObject process(FlowObject input, StepContext step) {
                return input.with("ranVersion", version);
            }
        };
    }

    private String versionRunning(FlowDefinition flow) {
        return harness.engine.activeFlows().keySet().stream().filter(f -> f.id().equals(flow.id()))
                .map(f -> String.valueOf(f.processors().get(0).config().get("version"))).findFirst().orElse("none");
    }

    @Test
    void aNewVersionRefusedAtInitLeavesTheRunningOneAndStartsOnceTheOperatorAllowsIt() throws Exception {
        AtomicBoolean allowsTwo = new AtomicBoolean();
        var provider = harness.processor("Picky", () -> picky(allowsTwo));
        harness.start();
        FlowDefinition v1 = harness.activate(EngineTest.withProcessor(TestFlows.flow("picky", "A"), "A",
                b -> b.type("Picky").config(Map.of("version", "1"))));
        FlowDefinition v2 = harness.save(EngineTest.withProcessor(v1, "A", b -> b.config(Map.of("version", "2"))));
        // the store holds version 2; the engine, having refused it, goes on running version 1 and takes new items
        UUID during = harness.submit(v1, Map.of());
        harness.awaitEnded(1);
        assertEquals("", harness.ended.get(during).error());
        assertEquals("1", versionRunning(v1));
        assertTrue(harness.engine.activeFlows().keySet().stream().noneMatch(f -> f.equals(v2)), "version 2 was refused");

        // the operator's configuration changes: the provider is registered anew, and the refused version is tried again
        allowsTwo.set(true);
        harness.registry.removeProcessor(provider);
        harness.processor("Picky", () -> picky(allowsTwo));
        EngineHarness.await("version 2 running", () -> versionRunning(v1).equals("2"), harness.engine::activeFlows);
        UUID after = harness.submit(v2, Map.of());
        harness.awaitEnded(2);
        assertEquals("", harness.ended.get(after).error());
    }

    @Test
    void aFirstVersionRefusedAtInitStartsOnceTheOperatorAllowsIt() throws Exception {
        AtomicBoolean allowsTwo = new AtomicBoolean();
        var provider = harness.processor("Picky", () -> picky(allowsTwo));
        harness.start();
        FlowDefinition flow = harness.save(EngineTest.withProcessor(TestFlows.flow("late-allowed", "A"), "A",
                b -> b.type("Picky").config(Map.of("version", "2"))));
        FlowDefinition control = harness.activate(EngineTest.withProcessor(TestFlows.flow("control", "A"), "A",
                b -> b.type("Picky").config(Map.of("version", "1"))));
        assertEquals("none", versionRunning(flow), "refused while the operator does not allow it");
        allowsTwo.set(true);
        harness.registry.removeProcessor(provider);
        harness.processor("Picky", () -> picky(allowsTwo));
        EngineHarness.await("the refused flow running", () -> versionRunning(flow).equals("2"), harness.engine::activeFlows);
        assertEquals("1", versionRunning(control));
    }

    @Test
    void aFlowWhoseActivationBlowsTheStackDoesNotStopTheEngineFromActivatingOthers() throws Exception {
        harness.processor("Noop", () -> (input, step) -> input);
        harness.processor("ReadsConfig", () -> new Processor() {
            @Override
            public void init(ProcessorContext context) {
                context.config("value");
            }

            @Override
            public FlowObject process(FlowObject input, StepContext step) {
                return input;
            }
        });
        harness.start();
        String nested = "${" + "(".repeat(10_000) + "1" + ")".repeat(10_000) + "}";
        String unary = "${" + "-".repeat(100_000) + "1}";
        harness.save(EngineTest.withProcessor(TestFlows.flow("nested", "A"), "A", b -> b.type("ReadsConfig").config(Map.of("value", nested))));
        harness.save(EngineTest.withProcessor(TestFlows.flow("unary", "A"), "A", b -> b.type("ReadsConfig").config(Map.of("value", unary))));
        FlowDefinition after = harness.activate(TestFlows.flow("after", "A"));
        FlowDefinition changed = harness.activate(EngineTest.withProcessor(after, "A", b -> b.config(Map.of("v", "2"))));
        harness.flows.setActive(changed.id(), false);
        EngineHarness.await("later changes still reach the engine", () -> harness.engine.activeFlows().isEmpty(),
                harness.engine::activeFlows);
    }
}
