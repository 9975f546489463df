package streamline.flow.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.LogLevel;
import streamline.api.flow.ProcessorDefinition;

class FlowJsonTest {

    private final FlowJson json = new FlowJson();

    private static String flowFile(String processors, String flow) {
        return """
                {"name": "orders", "description": "what it does", "active": true,
                 "processors": [%s],
                 "triggerProcessors": [{"name": "Inbox", "type": "ReadDir", "config": {"input": "/data/in"},
                   "enabled": true, "singleNode": false, "cronExpression": "*/10 * * * * *"}],
                 "flow": "%s"}
                """.formatted(processors, flow);
    }

    private static String named(String... names) {
        return Arrays.stream(names).map(n -> "{\"name\": \"" + n + "\", \"type\": \"Noop\"}")
                .collect(Collectors.joining(", "));
    }

    /** The edges of a flow as "A->B" strings. */
    private static Set<String> edges(FlowDefinition flow) {
        Map<UUID, String> names = flow.processors().stream().collect(Collectors.toMap(ProcessorDefinition::id, ProcessorDefinition::name));
        return flow.processors().stream().flatMap(p -> p.nextProcessorIds().stream().map(n -> p.name() + "->" + names.get(n)))
                .collect(Collectors.toSet());
    }

    @Test
    void readsTheGoFormatWithDefaultsAndStableIds() throws Exception {
        String text = """
                {"name": "orders", "processors": [
                   {"name": "Tag", "type": "UpdateMetadata", "config": {"k": "v"}, "maxRetries": 3, "backoffSeconds": 5,
                    "logLevel": "warning", "enabled": true},
                   {"name": "Store", "type": "WriteFile", "config": {"output": "${name}"}}],
                 "triggerProcessors": [{"name": "Inbox", "type": "ReadDir", "cronExpression": "*/10 * * * * *"}],
                 "flow": "Tag->Store"}
                """;
        FlowDefinition flow = json.read(text, "orders.json");
        assertEquals(FlowDefinition.idFromName("orders"), flow.id());
        assertTrue(flow.active(), "active by default");
        ProcessorDefinition tag = flow.processors().get(0);
        assertEquals(3, tag.maxRetries());
        assertEquals(5, tag.backoffSeconds());
        assertEquals(LogLevel.WARN, tag.logLevel());
        ProcessorDefinition store = flow.processors().get(1);
        assertEquals(0, store.maxRetries());
        assertEquals(LogLevel.INFO, store.logLevel());
        assertTrue(store.enabled());
        assertEquals(Set.of("Tag->Store"), edges(flow));
        assertEquals("*/10 * * * * *", flow.triggers().get(0).cronExpression());
        assertEquals(flow, json.read(text, "orders.json"), "reading again gives the same ids");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "A->B, A->C, B->D, C->D | A->B,A->C,B->D,C->D",
            "[A, B]->C, D | A->C,B->C",
            "A->[B->C, D] | A->B,B->C,A->D",
            "[A, B]->[C, D] | A->C,A->D,B->C,B->D",
            "' A ->\t[B,\nC] -> D ' | A->B,A->C,B->D,C->D",
    })
    void theFlowLanguageBuildsTheGraph(String flow, String expected) throws Exception {
        FlowDefinition parsed = json.read(flowFile(named("A", "B", "C", "D"), flow.replace("\t", "\\t").replace("\n", "\\n")), "f.json");
        assertEquals(Set.of(expected.split(",")), edges(parsed));
    }

    @Test
    void writingAndReadingAgainChangesNothing() throws Exception {
        for (String flow : List.of("A->B, A->C, B->D, C->D", "[A, B]->[C, D]", "A->[B->C, D]", "A, B->C, D")) {
            FlowDefinition first = json.read(flowFile(named("A", "B", "C", "D"), flow), "f.json");
            FlowDefinition again = json.read(json.write(first), "written.json");
            assertEquals(first, again, flow);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "A->B->X | field 'flow', column 7: 'X' is not a processor of this flow",
            "A->B | field 'flow': processor 'C' is not in the flow",
            "A->B->C->A | field 'flow'",
            "A->[B, B]->C | column 2: the edge A->B is written twice",
            "'' | column 1: the flow is empty",
            "A->B->C-> | column 8: '->' leads nowhere",
            "A->[]->B->C | column 4: empty brackets",
            "A->[B, C | column 4: '[' is never closed",
            "A->B->C] | column 8: unexpected ']' after a complete flow",
            "A->B C | column 6: unexpected 'C'",
            "A->B->$C | column 7: expected a processor name or '[' but found '$'",
    })
    void aBadFlowStringIsRefusedWithTheFieldAndColumn(String flow, String expected) {
        FlowFileException error = assertThrows(FlowFileException.class,
                () -> json.read(flowFile(named("A", "B", "C"), flow), "bad.json"));
        assertTrue(error.getMessage().startsWith("bad.json: "), error.getMessage());
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }

    @Test
    void aCycleIsNamed() {
        FlowFileException error = assertThrows(FlowFileException.class,
                () -> json.read(flowFile(named("A", "B", "C"), "A->B->C->B"), "cycle.json"));
        assertTrue(error.getMessage().contains("B->C->B"), error.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\": \"A\", \"type\": \"Noop\", \"maxRetry\": 3} | field 'processors[0].maxRetry': unknown field",
            "{\"name\": \"A\", \"type\": \"Noop\", \"logLevel\": \"loud\"} | field 'processors[0].logLevel'",
            "{\"name\": \"A\", \"type\": \"Noop\", \"maxRetries\": -1} | field 'processors[0].maxRetries': must be 0 or more",
            "{\"name\": \"A\", \"type\": \"Noop\", \"maxRetries\": \"many\"} | field 'processors[0].maxRetries'",
            "{\"name\": \"A\"} | field 'processors[0].type': missing or empty",
            "{\"name\": \"A\", \"type\": \"Noop\"}, {\"name\": \"A\", \"type\": \"Noop\"} | field 'processors[1].name': two processors are named 'A'",
    })
    void aBadFieldIsRefusedByName(String processors, String expected) {
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(flowFile(processors, "A"), "bad.json"));
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }

    @Test
    void aNullConfigurationValueIsAnAbsentKeyAndAnEmptyLogLevelTheDefault() throws Exception {
        String text = """
                {"name": "orders", "processors": [
                   {"name": "Store", "type": "WriteFile", "config": {"output": "${name}", "overwrite": null}, "logLevel": ""}],
                 "triggerProcessors": [{"name": "Inbox", "type": "ReadDir", "config": {"input": "in", "regex_filter": null},
                   "cronExpression": "*/10 * * * * *", "logLevel": ""}],
                 "flow": "Store"}
                """;
        FlowDefinition flow = json.read(text, "go.json");
        ProcessorDefinition store = flow.processors().get(0);
        assertEquals(Map.of("output", "${name}"), store.config(), "the null key is absent");
        assertEquals(LogLevel.INFO, store.logLevel());
        assertEquals(Map.of("input", "in"), flow.triggers().get(0).config());
        assertEquals(LogLevel.INFO, flow.triggers().get(0).logLevel());
    }

    @Test
    void aBadCronExpressionIsRefusedWhenRead() {
        String text = flowFile(named("A"), "A").replace("*/10 * * * * *", "61 * * * * *");
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(text, "cron.json"));
        assertTrue(error.getMessage().contains("field 'triggerProcessors[0].cronExpression'"), error.getMessage());
    }

    @Test
    void brokenJsonSaysWhere() {
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read("{\"name\": \"x\",\n \"processors\": [}", "broken.json"));
        assertTrue(error.getMessage().startsWith("broken.json: not valid JSON at line 2"), error.getMessage());
        assertFalse(error.getMessage().contains("null"), error.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\": \"A\", \"type\": \"Noop\", \"config\": {\"m\": {\"path\": null}}} | field 'processors[0].config.m.path': null is not a value",
            "{\"name\": \"A\", \"type\": \"Noop\", \"config\": {\"list\": [\"x\", null]}} | field 'processors[0].config.list[1]': null is not a value",
            "{\"name\": \"A\", \"type\": \"Noop\", \"config\": {\"executable\": \"/bin/true\", \"executable\": \"/bin/sh\"}} | Duplicate field 'executable'",
    })
    void nullsAndDuplicateKeysAreRefusedByName(String processors, String expected) {
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(flowFile(processors, "A"), "bad.json"));
        assertTrue(error.getMessage().startsWith("bad.json: "), error.getMessage());
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }

    @Test
    void jsonNestedPastTheLimitIsAFlowFileErrorNamingTheFile() {
        String deep = "[".repeat(FlowJson.MAX_JSON_DEPTH + 1) + "]".repeat(FlowJson.MAX_JSON_DEPTH + 1);
        String text = flowFile("{\"name\": \"A\", \"type\": \"Noop\", \"config\": {\"deep\": " + deep + "}}", "A");
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(text, "deep.json"));
        assertTrue(error.getMessage().startsWith("deep.json: "), error.getMessage());
        assertTrue(error.getMessage().contains("nesting depth"), error.getMessage());
    }

    @Test
    void aFlowStringNestedThousandsDeepIsRefusedWithTheColumn() {
        String flow = "[".repeat(5000) + "A" + "]".repeat(5000);
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(flowFile(named("A"), flow), "nested.json"));
        assertTrue(error.getMessage().contains("field 'flow', column " + (FlowLanguage.MAX_DEPTH + 1)
                + ": brackets nested deeper than " + FlowLanguage.MAX_DEPTH), error.getMessage());
    }

    @Test
    void namesWithControlOrDirectionOverrideCharactersAreRefused() {
        for (String name : List.of("A\\nINFO forged line", "A\\u202Egnp.exe", "A\\u0007")) {
            String text = flowFile("{\"name\": \"" + name + "\", \"type\": \"Noop\"}", "A");
            FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(text, "names.json"));
            assertTrue(error.getMessage().contains("field 'processors[0].name': control or bidirectional-override character"),
                    error.getMessage());
        }
    }

    @Test
    void edgesAreCountedWhileTheFlowStringIsParsed() {
        // 200 x 200 processors joined by one arrow: 40,000 edges from a 3 kB string
        String left = java.util.stream.IntStream.range(0, 200).mapToObj(i -> "L" + i).collect(Collectors.joining(","));
        String right = java.util.stream.IntStream.range(0, 200).mapToObj(i -> "R" + i).collect(Collectors.joining(","));
        String flow = "A->[" + left + "]->[" + right + "]";
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(flowFile(named("A"), flow), "dense.json"));
        assertTrue(error.getMessage().startsWith("dense.json: field 'flow', column " + (flow.indexOf("]->[") + 2)
                + ": more than " + FlowGraph.MAX_EDGES + " edges"), error.getMessage());
    }

    @Test
    void processorsAndTriggersAreCountedWhileTheFileIsRead() {
        String many = java.util.stream.IntStream.rangeClosed(0, FlowGraph.MAX_PROCESSORS).mapToObj(i -> "P" + i)
                .map(n -> "{\"name\": \"" + n + "\", \"type\": \"Noop\"}").collect(Collectors.joining(", "));
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(flowFile(many, "P0"), "many.json"));
        assertTrue(error.getMessage().startsWith("many.json: field 'processors': more than " + FlowGraph.MAX_PROCESSORS
                + " processors"), error.getMessage());
        String triggers = java.util.stream.IntStream.rangeClosed(0, FlowGraph.MAX_PROCESSORS)
                .mapToObj(i -> "{\"name\": \"T" + i + "\", \"type\": \"Noop\"}").collect(Collectors.joining(", "));
        String text = "{\"name\": \"t\", \"processors\": [" + named("A") + "], \"triggerProcessors\": [" + triggers
                + "], \"flow\": \"A\"}";
        error = assertThrows(FlowFileException.class, () -> json.read(text, "many.json"));
        assertTrue(error.getMessage().startsWith("many.json: field 'triggerProcessors': more than " + FlowGraph.MAX_PROCESSORS
                + " triggers"), error.getMessage());
    }

    @Test
    void aCycleThatAnEarlierProcessorHangsFromIsNamed() {
        FlowFileException error = assertThrows(FlowFileException.class,
                () -> json.read(flowFile(named("C", "A", "B"), "A->B->A, B->C"), "cycle.json"));
        assertTrue(error.getMessage().contains("A->B->A") || error.getMessage().contains("B->A->B"), error.getMessage());
    }

    @Test
    void twoTriggersWithOneIdAreRefused() {
        String id = UUID.randomUUID().toString();
        String text = "{\"name\": \"t\", \"processors\": [" + named("A") + "], \"triggerProcessors\": ["
                + "{\"id\": \"" + id + "\", \"name\": \"In\", \"type\": \"Noop\"}, "
                + "{\"id\": \"" + id.toUpperCase() + "\", \"name\": \"Other\", \"type\": \"Noop\"}], \"flow\": \"A\"}";
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(text, "triggers.json"));
        assertTrue(error.getMessage().startsWith("triggers.json: field 'triggerProcessors[1].id': " + id
                + " is the id of another trigger"), error.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"maxRetries\": 2.9 | field 'processors[0].maxRetries'",
            "\"maxRetries\": \"\" | field 'processors[0].maxRetries'",
            "\"maxRetries\": \"3\" | field 'processors[0].maxRetries'",
            "\"backoffSeconds\": true | field 'processors[0].backoffSeconds'",
            "\"enabled\": 0 | field 'processors[0].enabled'",
            "\"enabled\": \"false\" | field 'processors[0].enabled'",
            "\"enabled\": \"\" | field 'processors[0].enabled'",
            "\"logLevel\": 3 | field 'processors[0].logLevel'",
            "\"id\": 5 | field 'processors[0].id'",
            "\"config\": {\"x\": 1e400} | field 'processors[0].config.x': 1E+400 is beyond the range",
            "\"config\": {\"x\": [-1e-400]} | field 'processors[0].config.x[0]': -1E-400 is beyond the range",
    })
    void wrongTypesAreRefusedNotCoerced(String field, String expected) {
        String text = flowFile("{\"name\": \"A\", \"type\": \"Noop\", " + field + "}", "A");
        FlowFileException error = assertThrows(FlowFileException.class, () -> json.read(text, "types.json"));
        assertTrue(error.getMessage().startsWith("types.json: " + expected), error.getMessage());
        FlowFileException typeError = assertThrows(FlowFileException.class,
                () -> json.read(flowFile("{\"name\": \"A\", \"type\": 5}", "A"), "types.json"));
        assertTrue(typeError.getMessage().startsWith("types.json: field 'processors[0].type'"), typeError.getMessage());
        FlowFileException activeError = assertThrows(FlowFileException.class,
                () -> json.read(flowFile(named("A"), "A").replace("\"active\": true", "\"active\": \"true\""), "types.json"));
        assertTrue(activeError.getMessage().startsWith("types.json: field 'active'"), activeError.getMessage());
    }

    @Test
    void numbersAreKeptExactly() throws Exception {
        String text = flowFile("{\"name\": \"A\", \"type\": \"Noop\", \"config\": {\"price\": 12345678901234567.89,"
                + " \"count\": 123456789012345678901234567890, \"small\": 7, \"half\": 0.5}}", "A");
        FlowDefinition flow = json.read(text, "numbers.json");
        Map<String, Object> config = flow.processors().get(0).config();
        assertEquals(new java.math.BigDecimal("12345678901234567.89"), config.get("price"));
        assertEquals(new java.math.BigInteger("123456789012345678901234567890"), config.get("count"));
        assertEquals(7, config.get("small"));
        assertEquals(new java.math.BigDecimal("0.5"), config.get("half"));
        String written = json.write(flow);
        assertTrue(written.contains("12345678901234567.89") && written.contains("123456789012345678901234567890"), written);
        assertEquals(flow, json.read(written, "again.json"));
    }

    @Test
    void aNameWithSpacesAroundItIsRefusedNamingTheField() {
        FlowFileException error = assertThrows(FlowFileException.class,
                () -> json.read(flowFile("{\"name\": \" A \", \"type\": \"Noop\"}", "A"), "spaces.json"));
        assertTrue(error.getMessage().startsWith("spaces.json: field 'processors[0].name': ' A ' has spaces around it"),
                error.getMessage());
        error = assertThrows(FlowFileException.class, () -> json.read(flowFile(named("A"), "A")
                .replace("\"name\": \"Inbox\"", "\"name\": \"Inbox \""), "spaces.json"));
        assertTrue(error.getMessage().startsWith("spaces.json: field 'triggerProcessors[0].name': 'Inbox ' has spaces around it"),
                error.getMessage());
    }
}
