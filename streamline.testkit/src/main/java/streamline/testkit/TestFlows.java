package streamline.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.ProcessorDefinition;

/**
 * Flows for tests, written as edges: {@code TestFlows.flow("f", "A->B", "A->C", "B->D", "C->D")}.
 * Processors get ids derived from the flow and their names, type {@code Noop}, and appear in the
 * order their names first occur; a lone name ({@code "A"}) declares a processor without edges.
 */
public final class TestFlows {

    private TestFlows() {
    }

    public static FlowDefinition flow(String name, String... edges) {
        UUID flowId = FlowDefinition.idFromName(name);
        Map<String, List<String>> next = new LinkedHashMap<>();
        for (String edge : edges) {
            String[] names = edge.split("->");
            for (String n : names) {
                next.computeIfAbsent(n.trim(), k -> new ArrayList<>());
            }
            for (int i = 0; i + 1 < names.length; i++) {
                next.get(names[i].trim()).add(names[i + 1].trim());
            }
        }
        FlowDefinition.Builder flow = FlowDefinition.builder().id(flowId).name(name).active(true);
        next.forEach((processor, successors) -> flow.processor(ProcessorDefinition.builder()
                .id(ProcessorDefinition.idFromName(flowId, processor))
                .name(processor)
                .type("Noop")
                .nextProcessorIds(successors.stream().map(s -> ProcessorDefinition.idFromName(flowId, s)).toList())
                .build()));
        return flow.build();
    }

    /** The validated graph of {@link #flow}. */
    public static FlowGraph graph(String name, String... edges) {
        try {
            return FlowGraph.of(flow(name, edges));
        } catch (InvalidFlowException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The id {@link #flow} gives the processor {@code processorName} of flow {@code flowName}. */
    public static UUID id(String flowName, String processorName) {
        return ProcessorDefinition.idFromName(FlowDefinition.idFromName(flowName), processorName);
    }
}
