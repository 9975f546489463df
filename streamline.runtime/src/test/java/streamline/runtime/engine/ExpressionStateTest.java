package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.flow.FlowDefinition;
import streamline.api.processor.ExpressionException;
import streamline.api.processor.FlowObject;
import streamline.api.state.StateScope;
import streamline.testkit.TestFlows;

import streamline.runtime.expressions.ExpressionEvaluator;
import streamline.runtime.state.FileStateManager;

/** The Go project's {@code getState(scope)} / {@code setState(scope, map)}: the configured processor's own state. */
class ExpressionStateTest {

    @TempDir
    Path directory;

    private final ObjectMapper json = new ObjectMapper();
    private final ExpressionEvaluator expressions = new ExpressionEvaluator(List.of());

    /** A processor's context as the engine builds it, with its configuration and its state on disk. */
    private EngineContexts.Base processor(Map<String, Object> configuration, FileStateManager state) {
        return new EngineContexts.Base(UUID.randomUUID(), "flow", UUID.randomUUID(), "counter", "UpdateMetadata", configuration,
                System.getLogger("test"), state, expressions);
    }

    @Test
    void setStateStoresTheProcessorsStateAndALaterEvaluationReadsItBack() throws Exception {
        FileStateManager state = new FileStateManager(directory, "counter", json);
        EngineContexts.Base setting = processor(Map.of("stored", "${setState(\"local\", {\"count\": 1, \"name\": \"a\"})}"), state);
        assertEquals("", setting.config("stored"), "the key holding a setState call gets the empty string");
        assertEquals(Map.of("count", "1", "name", "a"), state.get(StateScope.LOCAL));

        // a later session, after a restart: the state is read back from disk
        FileStateManager reopened = new FileStateManager(directory, "counter", json);
        EngineContexts.Base reading = processor(Map.of("count", "${getState(\"local\")[\"count\"]}",
                "next", "${getState('local')['count'] + 1}"), reopened);
        assertEquals("1", reading.config("count"));
        assertEquals("11", reading.config("next"), "values are text, as stored");
        assertEquals(Map.of(), reopened.get(StateScope.CLUSTER), "the scopes are apart");
        assertEquals("{}", processor(Map.of("all", "${getState('cluster')}"), reopened).config("all"));
    }

    @Test
    void aSessionReadsWhatAnEarlierSessionsStepStoredInItsProcessorsState() throws Exception {
        Map<UUID, FlowObject> seen = new ConcurrentHashMap<>();
        try (EngineHarness harness = new EngineHarness(directory.resolve("engine"))) {
            harness.start();
            // evaluates the configuration key the session names, as UpdateMetadata evaluates its keys
            harness.processor("Keyed", () -> (input, step) -> {
                String key = (String) input.metadata().get("key");
                FlowObject output = input.with(key, step.config(key));
                seen.put(step.sessionId(), output);
                return output;
            });
            FlowDefinition flow = harness.activate(EngineTest.withProcessor(TestFlows.flow("state", "A"), "A", b -> b.type("Keyed")
                    .config(Map.of("store", "${setState(\"local\", {\"count\": 1})}", "read", "${getState(\"local\")[\"count\"]}"))));
            UUID storing = harness.submit(flow, Map.of("key", "store"));
            harness.awaitEnded(1);
            assertEquals("", seen.get(storing).metadata().get("store"));
            UUID reading = harness.submit(flow, Map.of("key", "read"));
            harness.awaitEnded(2);
            assertEquals("", harness.ended.get(reading).error());
            assertEquals("1", seen.get(reading).metadata().get("read"));
        }
    }

    @Test
    void theSameTextEvaluatedForTwoProcessorsReachesEachOnesOwnState() throws Exception {
        FileStateManager first = new FileStateManager(directory, "first", json);
        FileStateManager second = new FileStateManager(directory, "second", json);
        first.set(StateScope.LOCAL, Map.of("n", "1"));
        second.set(StateScope.LOCAL, Map.of("n", "2"));
        Map<String, Object> configuration = Map.of("n", "${getState('local')['n']}");
        for (int i = 0; i < 3; i++) { // the parsed text and JEXL's resolution are cached after the first evaluation
            assertEquals("1", processor(configuration, first).config("n"));
            assertEquals("2", processor(configuration, second).config("n"));
        }
    }

    @Test
    void aNonMapValueAWrongScopeOrAWrongArgumentCountIsAnError() throws Exception {
        FileStateManager state = new FileStateManager(directory, "counter", json);
        state.set(StateScope.LOCAL, Map.of("count", "5"));
        for (String wrong : List.of("${setState('local', 1)}", "${setState('local', [1, 2])}", "${setState('local')}",
                "${setState('local', {'a': 1}, 2)}", "${getState()}", "${getState('local', 'x')}", "${getState('nowhere')}")) {
            ExpressionException refused = assertThrows(ExpressionException.class,
                    () -> processor(Map.of("key", wrong), state).config("key"), wrong);
            assertTrue(refused.getMessage().contains("processor counter of flow flow, configuration key 'key'"), refused.getMessage());
            assertTrue(refused.getMessage().contains("State"), wrong + ": " + refused.getMessage());
        }
        assertEquals(Map.of("count", "5"), state.get(StateScope.LOCAL), "nothing stored by a refused call");
    }

    @Test
    void withoutAProcessorsStateTheFunctionsAreRefused() {
        ExpressionException refused = assertThrows(ExpressionException.class,
                () -> expressions.evaluate("${getState('local')}", Map.of(), "somewhere"));
        assertTrue(refused.getMessage().contains("no processor's state"), refused.getMessage());
    }
}
