package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
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

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.ProcessorTypes;
import streamline.api.processor.StepContext;
import streamline.testkit.TestFlows;

/** A processor's declared keys: checked before a flow is saved and at activation, and given to it converted. */
class DeclaredConfigTest {

    @TempDir
    Path directory;

    private EngineHarness harness;
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final AtomicInteger inits = new AtomicInteger();

    @ProcessorConfig(description = "copies", keys = {
            @ConfigKey(name = "path", alias = "input", required = true, description = "the file"),
            @ConfigKey(name = "count", type = ConfigType.INTEGER, defaultValue = "2", description = "how many"),
            @ConfigKey(name = "remove_source", type = ConfigType.BOOLEAN, defaultValue = "false", description = "delete it") })
    final class Declared implements Processor {
        @Override
        public void init(ProcessorContext context) {
            inits.incrementAndGet();
        }

        @Override
        public FlowObject process(FlowObject input, StepContext step) {
            return input.with("path", step.config("path")).with("count", step.config("count", Long.class))
                    .with("remove", step.config("remove_source", Boolean.class));
        }
    }

    @BeforeEach
    void start() {
        harness = new EngineHarness(directory);
        AbstractAppender capture = new AbstractAppender("declared", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                logged.add(event.getMessage().getFormattedMessage());
            }
        };
        capture.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = logging.getConfiguration();
        for (Class<?> type : List.of(FlowActivation.class, DeclaredConfigurations.class)) {
            LoggerConfig loggerConfig = new LoggerConfig(type.getName(), Level.INFO, true);
            loggerConfig.addAppender(capture, Level.INFO, null);
            configuration.addLogger(type.getName(), loggerConfig);
        }
        logging.updateLoggers();
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().removeLogger(FlowActivation.class.getName());
        logging.getConfiguration().removeLogger(DeclaredConfigurations.class.getName());
        logging.updateLoggers();
    }

    private static FlowDefinition copy(String name, Map<String, ?> config) {
        return EngineTest.withProcessor(TestFlows.flow(name, "A"), "A", b -> b.type("Declared").config(config));
    }

    @Test
    void aFlowWaitingForItsProviderFailsActivationNamingTheKeyWhenTheProviderComes() throws Exception {
        harness.start();
        FlowDefinition flow = harness.save(copy("late", Map.of("input", "a.txt", "count", "many")));
        EngineHarness.await("the flow waiting for its type", () -> harness.engine.activeFlows().entrySet().stream()
                .anyMatch(active -> active.getKey().id().equals(flow.id()) && active.getValue().equals(List.of("Declared"))),
                harness.engine::activeFlows);

        harness.processor("Declared", Declared::new);
        EngineHarness.await("the activation refused", () -> logged.stream().anyMatch(line -> line.contains(
                "invalid flow 'late': processor 'A' (Declared): key 'count' must be a whole number, was \"many\"")), () -> logged);
        assertEquals(0, inits.get(), "a processor never sees a configuration that breaks its declaration");
        assertFalse(harness.engine.activeFlows().keySet().stream().anyMatch(active -> active.id().equals(flow.id())
                && harness.engine.activeFlows().get(active).isEmpty()), "not running");

        FlowDefinition corrected = harness.activate(copy("late", Map.of("input", "a.txt", "count", 3)));
        UUID session = harness.submit(corrected, Map.of());
        harness.awaitEnded(1);
        assertEquals("", harness.ended.get(session).error());
    }

    @Test
    void valuesReachTheProcessorByAliasConvertedAndWithDefaults() throws Exception {
        List<Map<String, Object>> seen = new CopyOnWriteArrayList<>();
        harness.processor("Declared", Declared::new);
        harness.processor("Record", () -> (input, step) -> {
            seen.add(input.metadata());
            return input;
        });
        harness.start();
        FlowDefinition flow = EngineTest.withProcessor(EngineTest.withProcessor(TestFlows.flow("typed", "A->B"), "A",
                b -> b.type("Declared").config(Map.of("input", "in/${name}.txt", "remove_source", "TRUE"))), "B", b -> b.type("Record"));
        harness.activate(flow);
        harness.submit(flow, Map.of("name", "x"));
        harness.awaitEnded(1);
        assertEquals("in/x.txt", seen.get(0).get("path"), "config(name) reads the alias");
        assertEquals(2L, seen.get(0).get("count"), "the declared default, converted");
        assertEquals(true, seen.get(0).get("remove"));
    }

    @Test
    void theEnginesTypesCheckAFlowBeforeItIsSavedAndWarnAboutAnUnknownKeyOncePerVersion() throws Exception {
        harness.processor("Declared", Declared::new);
        harness.start();
        ProcessorTypes types = harness.registry.types();
        assertTrue(types.types().stream().anyMatch(type -> type.name().equals("Declared") && !type.trigger()
                && type.configuration().orElseThrow().key("input").isPresent()), types.types().toString());

        InvalidFlowException refused = assertThrows(InvalidFlowException.class,
                () -> types.check(copy("bad", Map.of("input", "a", "remove_source", "yes"))));
        assertEquals(List.of("processor 'A' (Declared): key 'remove_source' must be true or false, was \"yes\""), refused.problems());
        assertThrows(InvalidFlowException.class, () -> types.check(copy("bad", Map.of("count", 1))), "a missing required key");
        assertEquals(List.of(), types.check(EngineTest.withProcessor(TestFlows.flow("other", "A"), "A", b -> b.type("NotThere")
                .config(Map.of("x", List.of())))), "a type not provided is not checked");

        FlowDefinition v1 = copy("unknown", Map.of("input", "a", "colour", "red"));
        assertEquals(List.of("processor 'A' (Declared): key 'colour' is unknown"), types.check(v1));
        types.check(v1);
        harness.activate(v1);
        assertEquals(1, logged.stream().filter(line -> line.contains("key 'colour' is unknown")).count(), logged.toString());
        FlowDefinition v2 = copy("unknown", Map.of("input", "b", "colour", "red"));
        types.check(v2);
        assertEquals(2, logged.stream().filter(line -> line.contains("key 'colour' is unknown")).count(), "a new version: " + logged);
    }
}
