package streamline.api.flow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The validated processor graph of a flow: which processors come first, which follow which, which
 * are joins, what can reach what. Immutable and thread-safe.
 *
 * <p>{@link #of(FlowDefinition)} is the one validation every flow store applies before it saves:
 * unique ids and names, names the flow language can write, known next references, no repeated
 * edge, no cycle, sane retry settings, at most {@link #MAX_PROCESSORS} processors and as many
 * triggers, and at most {@link #MAX_EDGES} edges (counted before anything is built from them).
 *
 * <p>Processors are numbered 0 to {@code size()-1} in definition order; the index methods use
 * those numbers.
 */
public final class FlowGraph {

    /** What a processor name may consist of, so that the flow language can write it. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");

    /**
     * Most processors a flow may have, and most triggers: far above any real flow, low enough that a
     * flow's graph (with its reachability, {@code n * n} bits) stays small.
     *
     * @since 1.2
     */
    public static final int MAX_PROCESSORS = 1_000;

    /**
     * Most edges (next-processor links) a flow may have: {@code [A, B]->[C, D]} is four.
     *
     * @since 1.2
     */
    public static final int MAX_EDGES = 10_000;

    private final UUID flowId;
    private final List<UUID> ids;
    private final Map<UUID, Integer> indexById;
    private final int[][] successors;
    private final int[][] predecessors;
    private final BitSet[] reachable;
    private final int[] topologicalOrder;

    private FlowGraph(UUID flowId, List<UUID> ids, Map<UUID, Integer> indexById, int[][] successors,
            int[][] predecessors, int[] topologicalOrder) {
        this.flowId = flowId;
        this.ids = ids;
        this.indexById = indexById;
        this.successors = successors;
        this.predecessors = predecessors;
        this.topologicalOrder = topologicalOrder;
        this.reachable = new BitSet[ids.size()];
        // reverse topological order: a node's successors are complete before the node itself
        for (int k = topologicalOrder.length - 1; k >= 0; k--) {
            int node = topologicalOrder[k];
            BitSet reach = new BitSet(ids.size());
            for (int next : successors[node]) {
                reach.set(next);
                reach.or(reachable[next]);
            }
            reachable[node] = reach;
        }
    }

    /**
     * Validates a flow and returns its graph.
     *
     * @throws InvalidFlowException listing every problem found
     */
    public static FlowGraph of(FlowDefinition flow) throws InvalidFlowException {
        List<String> problems = new ArrayList<>();
        List<ProcessorDefinition> processors = flow.processors();
        if (flow.name().isBlank()) {
            problems.add("the flow has no name");
        }
        if (processors.isEmpty()) {
            problems.add("the flow has no processors");
        }
        if (processors.size() > MAX_PROCESSORS) {
            problems.add("the flow has " + processors.size() + " processors, more than the limit of " + MAX_PROCESSORS);
        }
        if (flow.triggers().size() > MAX_PROCESSORS) {
            problems.add("the flow has " + flow.triggers().size() + " triggers, more than the limit of " + MAX_PROCESSORS);
        }
        long edges = 0;
        for (ProcessorDefinition p : processors) {
            edges += p.nextProcessorIds().size();
        }
        if (edges > MAX_EDGES) {
            problems.add("the flow has " + edges + " edges, more than the limit of " + MAX_EDGES);
        }
        if (!problems.isEmpty()) {
            throw new InvalidFlowException(flow.name(), problems);
        }
        Map<UUID, Integer> indexById = new HashMap<>();
        Set<String> names = new HashSet<>();
        List<UUID> ids = new ArrayList<>(processors.size());
        for (ProcessorDefinition p : processors) {
            String where = "processor '" + p.name() + "'";
            if (!NAME.matcher(p.name()).matches()) {
                problems.add(where + ": a name must consist of letters, digits and '_'");
            }
            if (!names.add(p.name())) {
                problems.add(where + ": the name is used by another processor");
            }
            if (indexById.putIfAbsent(p.id(), ids.size()) != null) {
                problems.add(where + ": id " + p.id() + " is used by another processor");
            }
            ids.add(p.id());
            checkCommon(where, p.type(), problems);
            if (p.maxRetries() < 0) {
                problems.add(where + ": maxRetries must be >= 0, was " + p.maxRetries());
            }
            if (p.backoffSeconds() < 0) {
                problems.add(where + ": backoffSeconds must be >= 0, was " + p.backoffSeconds());
            }
        }
        Set<String> triggerNames = new HashSet<>();
        Set<UUID> triggerIds = new HashSet<>();
        for (TriggerDefinition t : flow.triggers()) {
            String where = "trigger '" + t.name() + "'";
            if (t.name().isBlank()) {
                problems.add("a trigger has no name");
            }
            if (!triggerNames.add(t.name())) {
                problems.add(where + ": the name is used by another trigger");
            }
            if (indexById.containsKey(t.id())) {
                problems.add(where + ": id " + t.id() + " is used by a processor");
            }
            if (!triggerIds.add(t.id())) {
                // the engine keys triggers by id: one of the two would never run
                problems.add(where + ": id " + t.id() + " is used by another trigger");
            }
            checkCommon(where, t.type(), problems);
        }
        if (!problems.isEmpty()) {
            throw new InvalidFlowException(flow.name(), problems);
        }

        int n = ids.size();
        List<List<Integer>> succ = new ArrayList<>(n);
        List<List<Integer>> pred = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            succ.add(new ArrayList<>());
            pred.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            ProcessorDefinition p = processors.get(i);
            Set<UUID> seen = new HashSet<>();
            for (UUID next : p.nextProcessorIds()) {
                Integer target = indexById.get(next);
                if (target == null) {
                    problems.add("processor '" + p.name() + "': next processor " + next + " is not a processor of this flow");
                } else if (!seen.add(next)) {
                    problems.add("processor '" + p.name() + "': leads to '" + processors.get(target).name() + "' twice");
                } else if (target == i) {
                    problems.add("processor '" + p.name() + "': leads to itself");
                } else {
                    succ.get(i).add(target);
                    pred.get(target).add(i);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidFlowException(flow.name(), problems);
        }
        int[][] successors = toArrays(succ);
        int[][] predecessors = toArrays(pred);
        int[] order = topologicalOrder(successors, predecessors);
        if (order.length < n) {
            problems.add("the processors form a cycle: " + describeCycle(predecessors, order, processors));
            throw new InvalidFlowException(flow.name(), problems);
        }
        return new FlowGraph(flow.id(), Collections.unmodifiableList(ids), Map.copyOf(indexById),
                successors, predecessors, order);
    }

    private static void checkCommon(String where, String type, List<String> problems) {
        if (type.isBlank()) {
            problems.add(where + ": no type");
        }
    }

    private static int[][] toArrays(List<List<Integer>> lists) {
        int[][] arrays = new int[lists.size()][];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = lists.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        return arrays;
    }

    /** Kahn's algorithm, taking nodes in definition order; shorter than n when there is a cycle. */
    private static int[] topologicalOrder(int[][] successors, int[][] predecessors) {
        int n = successors.length;
        int[] inDegree = new int[n];
        Deque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            inDegree[i] = predecessors[i].length;
            if (inDegree[i] == 0) {
                ready.add(i);
            }
        }
        int[] order = new int[n];
        int count = 0;
        while (!ready.isEmpty()) {
            int node = ready.poll();
            order[count++] = node;
            for (int next : successors[node]) {
                if (--inDegree[next] == 0) {
                    ready.add(next);
                }
            }
        }
        return Arrays.copyOf(order, count);
    }

    /**
     * Walks back from a node left out of the topological order, along predecessors also left out, until
     * a node repeats: that is a cycle. Every node left out has such a predecessor (otherwise its
     * in-degree would have reached 0), whereas walking forward can end at a node that only hangs from
     * a cycle.
     */
    private static String describeCycle(int[][] predecessors, int[] partialOrder, List<ProcessorDefinition> processors) {
        BitSet ordered = new BitSet();
        for (int i : partialOrder) {
            ordered.set(i);
        }
        List<Integer> path = new ArrayList<>();
        Map<Integer, Integer> position = new HashMap<>();
        int node = ordered.nextClearBit(0);
        while (!position.containsKey(node)) {
            position.put(node, path.size());
            path.add(node);
            int previous = -1;
            for (int p : predecessors[node]) {
                if (!ordered.get(p)) {
                    previous = p;
                    break;
                }
            }
            node = previous;
        }
        // the path runs against the edges: read the cycle backwards
        StringBuilder text = new StringBuilder(processors.get(node).name());
        for (int k = path.size() - 1; k >= position.get(node); k--) {
            text.append("->").append(processors.get(path.get(k)).name());
        }
        return text.toString();
    }

    public UUID flowId() {
        return flowId;
    }

    /** The number of processors. */
    public int size() {
        return ids.size();
    }

    /** The processor ids in definition order. */
    public List<UUID> processorIds() {
        return ids;
    }

    /** The index of a processor, or -1 if the flow has none with this id. */
    public int indexOf(UUID processorId) {
        Integer index = indexById.get(processorId);
        return index == null ? -1 : index;
    }

    /** The id of the processor at an index. */
    public UUID idAt(int index) {
        return ids.get(index);
    }

    /** The indexes of the processors that follow the one at {@code index}. */
    public int[] successors(int index) {
        return successors[index].clone();
    }

    /** The indexes of the processors that lead to the one at {@code index}. */
    public int[] predecessors(int index) {
        return predecessors[index].clone();
    }

    /** Whether the processor at {@code index} has more than one predecessor. */
    public boolean isJoin(int index) {
        return predecessors[index].length > 1;
    }

    /** Whether a path leads from the processor at {@code from} to the one at {@code to} (not counting {@code from == to}). */
    public boolean reaches(int from, int to) {
        return reachable[from].get(to);
    }

    /** The processors with no predecessor, in definition order. */
    public List<UUID> firstProcessorIds() {
        List<UUID> first = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (predecessors[i].length == 0) {
                first.add(ids.get(i));
            }
        }
        return first;
    }

    /** The ids of the processors that follow the given one. */
    public List<UUID> next(UUID processorId) {
        return idsOf(successors[requireIndex(processorId)]);
    }

    /** The ids of the processors that lead to the given one, in definition order. */
    public List<UUID> previous(UUID processorId) {
        return idsOf(predecessors[requireIndex(processorId)]);
    }

    /** Every processor index, each after all processors that lead to it. */
    public int[] topologicalOrder() {
        return topologicalOrder.clone();
    }

    private int requireIndex(UUID processorId) {
        int index = indexOf(processorId);
        if (index < 0) {
            throw new IllegalArgumentException("processor " + processorId + " is not in flow " + flowId);
        }
        return index;
    }

    private List<UUID> idsOf(int[] indexes) {
        int[] sorted = indexes.clone();
        Arrays.sort(sorted);
        List<UUID> result = new ArrayList<>(sorted.length);
        for (int i : sorted) {
            result.add(ids.get(i));
        }
        return result;
    }
}
