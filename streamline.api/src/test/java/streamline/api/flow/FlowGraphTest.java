package streamline.api.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class FlowGraphTest {

    private static final UUID FLOW = FlowDefinition.idFromName("graph");

    private static UUID id(String name) {
        return ProcessorDefinition.idFromName(FLOW, name);
    }

    /** A flow from "A->B" edges (kept here: the API module cannot use the test kit, which depends on it). */
    private static FlowDefinition flow(String... edges) {
        Map<String, List<UUID>> next = new LinkedHashMap<>();
        for (String edge : edges) {
            String[] names = edge.split("->");
            for (String n : names) {
                next.computeIfAbsent(n, k -> new ArrayList<>());
            }
            for (int i = 0; i + 1 < names.length; i++) {
                next.get(names[i]).add(id(names[i + 1]));
            }
        }
        FlowDefinition.Builder flow = FlowDefinition.builder().id(FLOW).name("graph");
        next.forEach((name, successors) -> flow.processor(ProcessorDefinition.builder().id(id(name)).name(name)
                .type("Noop").nextProcessorIds(successors).build()));
        return flow.build();
    }

    private static List<String> problems(FlowDefinition flow) {
        return assertThrows(InvalidFlowException.class, () -> FlowGraph.of(flow)).problems();
    }

    @Test
    void answersTheGraphQuestions() throws Exception {
        FlowGraph graph = FlowGraph.of(flow("A->B->D", "A->C->D", "E"));
        assertEquals(List.of(id("A"), id("E")), graph.firstProcessorIds());
        assertEquals(List.of(id("B"), id("C")), graph.next(id("A")));
        assertEquals(List.of(id("B"), id("C")), graph.previous(id("D")));
        assertTrue(graph.isJoin(graph.indexOf(id("D"))));
        assertFalse(graph.isJoin(graph.indexOf(id("B"))));
        assertTrue(graph.reaches(graph.indexOf(id("A")), graph.indexOf(id("D"))));
        assertFalse(graph.reaches(graph.indexOf(id("B")), graph.indexOf(id("C"))));
        assertFalse(graph.reaches(graph.indexOf(id("D")), graph.indexOf(id("D"))));
        assertEquals(-1, graph.indexOf(UUID.randomUUID()));
        assertThrows(IllegalArgumentException.class, () -> graph.next(UUID.randomUUID()));
    }

    @Test
    void aDefinitionFindsItsProcessorsAndKnowsItselfSavedAtAnotherTime() {
        FlowDefinition flow = flow("A->B", "C").toBuilder().lastUpdated(Instant.ofEpochSecond(10)).build();
        assertEquals(id("B"), flow.processorNamed("B").orElseThrow().id());
        assertTrue(flow.processorNamed("Z").isEmpty());
        FlowDefinition later = flow.toBuilder().lastUpdated(Instant.ofEpochSecond(20)).build();
        assertTrue(flow.equalsIgnoringLastUpdated(later));
        assertTrue(later.equalsIgnoringLastUpdated(flow));
        assertFalse(flow.equalsIgnoringLastUpdated(later.toBuilder().description("changed").build()));
        assertFalse(flow.equalsIgnoringLastUpdated(null));
    }

    @Test
    void topologicalOrderPutsEveryProcessorAfterItsPredecessors() throws Exception {
        FlowGraph graph = FlowGraph.of(flow("D->E", "A->B->D", "A->C->D", "C->E"));
        int[] order = graph.topologicalOrder();
        assertEquals(graph.size(), order.length);
        int[] position = new int[order.length];
        for (int k = 0; k < order.length; k++) {
            position[order[k]] = k;
        }
        for (int node = 0; node < graph.size(); node++) {
            for (int next : graph.successors(node)) {
                assertTrue(position[node] < position[next], graph.idAt(node) + " before " + graph.idAt(next));
            }
        }
        // the returned arrays are copies: changing them does not change the graph
        graph.successors(0)[0] = 99;
        assertEquals(Arrays.toString(FlowGraph.of(flow("D->E", "A->B->D", "A->C->D", "C->E")).successors(0)),
                Arrays.toString(graph.successors(0)));
    }

    @Test
    void refusesCyclesNamingThem() {
        List<String> problems = problems(flow("A->B->C->A"));
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("A->B->C->A"), problems.get(0));
        assertTrue(problems(flow("A->A")).get(0).contains("leads to itself"));
    }

    @Test
    void refusesEveryStructuralProblemAtOnce() {
        FlowDefinition flow = FlowDefinition.builder().id(FLOW).name("graph")
                .processor(ProcessorDefinition.builder().id(id("A")).name("A").type("T").next(id("B"), id("B")).build())
                .processor(ProcessorDefinition.builder().id(id("B")).name("B").type("T").next(UUID.randomUUID()).build())
                .processor(ProcessorDefinition.builder().id(id("B")).name("A").type(" ").maxRetries(-1).backoffSeconds(-2).build())
                .processor(ProcessorDefinition.builder().id(id("C")).name("no spaces").type("T").build())
                .trigger(TriggerDefinition.builder().id(id("C")).name("In").type("T").build())
                .trigger(TriggerDefinition.builder().id(UUID.randomUUID()).name("In").type("T").build())
                .build();
        List<String> problems = problems(flow);
        String all = String.join("\n", problems);
        for (String expected : List.of("processor 'A': the name is used by another processor",
                "processor 'A': id " + id("B") + " is used by another processor",
                "processor 'A': no type", "maxRetries must be >= 0, was -1", "backoffSeconds must be >= 0, was -2",
                "processor 'no spaces': a name must consist of letters, digits and '_'",
                "trigger 'In': id " + id("C") + " is used by a processor",
                "trigger 'In': the name is used by another trigger")) {
            assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
        }
    }

    @Test
    void refusesUnknownAndRepeatedLinks() {
        FlowDefinition unknown = FlowDefinition.builder().id(FLOW).name("graph")
                .processor(ProcessorDefinition.builder().id(id("A")).name("A").type("T").next(id("Z")).build()).build();
        assertTrue(problems(unknown).get(0).contains("next processor " + id("Z") + " is not a processor of this flow"));
        FlowDefinition repeated = FlowDefinition.builder().id(FLOW).name("graph")
                .processor(ProcessorDefinition.builder().id(id("A")).name("A").type("T").next(id("B"), id("B")).build())
                .processor(ProcessorDefinition.builder().id(id("B")).name("B").type("T").build()).build();
        assertEquals(List.of("processor 'A': leads to 'B' twice"), problems(repeated));
    }

    @Test
    void refusesAFlowWithoutProcessorsOrName() {
        List<String> problems = problems(FlowDefinition.builder().id(FLOW).name(" ").build());
        assertEquals(List.of("the flow has no name", "the flow has no processors"), problems);
    }

    @Test
    void derivedIdsAreStableAndDistinct() {
        assertEquals(FlowDefinition.idFromName("x"), FlowDefinition.idFromName("x"));
        assertEquals(ProcessorDefinition.idFromName(FLOW, "A"), ProcessorDefinition.idFromName(FLOW, "A"));
        assertFalse(ProcessorDefinition.idFromName(FLOW, "A").equals(TriggerDefinition.idFromName(FLOW, "A")));
        assertFalse(ProcessorDefinition.idFromName(FLOW, "A").equals(ProcessorDefinition.idFromName(UUID.randomUUID(), "A")));
    }

    @Test
    void namesACycleThatTheFirstLeftOverProcessorOnlyHangsFrom() {
        // C comes first and is left out of the order only because B (on the cycle) leads to it
        FlowDefinition flow = FlowDefinition.builder().id(FLOW).name("graph")
                .processor(ProcessorDefinition.builder().id(id("C")).name("C").type("T").build())
                .processor(ProcessorDefinition.builder().id(id("A")).name("A").type("T").next(id("B")).build())
                .processor(ProcessorDefinition.builder().id(id("B")).name("B").type("T").next(id("A"), id("C")).build())
                .build();
        List<String> problems = problems(flow);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("A->B->A") || problems.get(0).contains("B->A->B"), problems.get(0));
    }

    @Test
    void refusesTwoTriggersWithOneId() {
        UUID shared = UUID.randomUUID();
        FlowDefinition flow = FlowDefinition.builder().id(FLOW).name("graph")
                .processor(ProcessorDefinition.builder().id(id("A")).name("A").type("T").build())
                .trigger(TriggerDefinition.builder().id(shared).name("In").type("T").build())
                .trigger(TriggerDefinition.builder().id(shared).name("Other").type("T").build())
                .build();
        assertEquals(List.of("trigger 'Other': id " + shared + " is used by another trigger"), problems(flow));
    }

    @Test
    void refusesMoreProcessorsTriggersOrEdgesThanItsLimits() throws Exception {
        FlowDefinition.Builder many = FlowDefinition.builder().id(FLOW).name("graph");
        for (int i = 0; i <= FlowGraph.MAX_PROCESSORS; i++) {
            many.processor(ProcessorDefinition.builder().id(id("P" + i)).name("P" + i).type("T").build());
            many.trigger(TriggerDefinition.builder().id(UUID.randomUUID()).name("T" + i).type("T").build());
        }
        assertEquals(List.of("the flow has " + (FlowGraph.MAX_PROCESSORS + 1) + " processors, more than the limit of "
                + FlowGraph.MAX_PROCESSORS, "the flow has " + (FlowGraph.MAX_PROCESSORS + 1)
                + " triggers, more than the limit of " + FlowGraph.MAX_PROCESSORS), problems(many.build()));

        // a complete bipartite graph one edge over the limit: every "L" leads to every "R"
        int left = 101;
        int right = FlowGraph.MAX_EDGES / 100;
        List<UUID> rights = new ArrayList<>();
        FlowDefinition.Builder dense = FlowDefinition.builder().id(FLOW).name("graph");
        for (int r = 0; r < right; r++) {
            rights.add(id("R" + r));
            dense.processor(ProcessorDefinition.builder().id(id("R" + r)).name("R" + r).type("T").build());
        }
        for (int l = 0; l < left; l++) {
            dense.processor(ProcessorDefinition.builder().id(id("L" + l)).name("L" + l).type("T").nextProcessorIds(rights).build());
        }
        assertEquals(List.of("the flow has " + left * right + " edges, more than the limit of " + FlowGraph.MAX_EDGES),
                problems(dense.build()));
        FlowGraph.of(dense.build().toBuilder().processors(dense.build().processors().subList(0, right + 100)).build());
    }
}
