package streamline.flow.files;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import streamline.api.flow.FlowGraph;

/**
 * The flow language of the {@code flow} field: {@code A->B}, parallel {@code [A, B]->C}, nested
 * {@code A->[B->C, D]}.
 *
 * <pre>
 * flow     := sequence (',' sequence)*        top-level commas: parallel branches
 * sequence := node ('->' node)*
 * node     := NAME | '[' flow ']'
 * NAME     := [A-Za-z0-9_]+
 * </pre>
 *
 * Every tail of a node leads to every head of the next one; a name written twice is the same
 * processor. Space, tab, CR and LF are ignored between tokens. Brackets nest at most
 * {@value #MAX_DEPTH} deep. A flow names at most {@link FlowGraph#MAX_PROCESSORS} processors and has at
 * most {@link FlowGraph#MAX_EDGES} edges, counted before an arrow's edges are made ({@code [A…]->[B…]}
 * makes the product of both sides). Errors name the 1-based column and what was expected or found.
 */
final class FlowLanguage {

    /** What a parse yields: every name in order of first appearance, and each name's next names. */
    record Graph(Map<String, Set<String>> next) {
    }

    /** A syntax or meaning error at a column. */
    static final class FlowSyntaxException extends Exception {
        private static final long serialVersionUID = 1L;
        final int column;

        FlowSyntaxException(int column, String message) {
            super("column " + column + ": " + message);
            this.column = column;
        }
    }

    /** The heads (entered first) and tails (left last) of a parsed part. */
    private record Part(List<String> heads, List<String> tails) {
    }

    /** Deepest nesting of brackets: the parser is recursive, and no real flow comes near this. */
    static final int MAX_DEPTH = 64;

    private final String text;
    private int position;
    private int depth;
    private long edges;
    private final Map<String, Set<String>> next = new LinkedHashMap<>();

    private FlowLanguage(String text) {
        this.text = text;
    }

    static Graph parse(String text) throws FlowSyntaxException {
        FlowLanguage parser = new FlowLanguage(text);
        parser.skipSpace();
        if (parser.atEnd()) {
            throw new FlowSyntaxException(1, "the flow is empty; expected a processor name");
        }
        parser.flow();
        parser.skipSpace();
        if (!parser.atEnd()) {
            throw new FlowSyntaxException(parser.position + 1, "unexpected '" + parser.text.charAt(parser.position)
                    + "' after a complete flow");
        }
        return new Graph(parser.next);
    }

    private Part flow() throws FlowSyntaxException {
        List<String> heads = new ArrayList<>();
        List<String> tails = new ArrayList<>();
        while (true) {
            int start = position;
            Part sequence = sequence();
            heads.addAll(sequence.heads());
            tails.addAll(sequence.tails());
            if (heads.size() > FlowGraph.MAX_PROCESSORS || tails.size() > FlowGraph.MAX_PROCESSORS) {
                // more branches side by side than a flow may have processors: names repeat, and the lists would grow with the text
                throw new FlowSyntaxException(start + 1, "more than " + FlowGraph.MAX_PROCESSORS + " branches side by side");
            }
            skipSpace();
            if (peek(",")) {
                position++;
                continue;
            }
            return new Part(heads, tails);
        }
    }

    private Part sequence() throws FlowSyntaxException {
        Part first = node();
        Part last = first;
        while (true) {
            skipSpace();
            if (!peek("->")) {
                return new Part(first.heads(), last.tails());
            }
            int arrow = position;
            position += 2;
            skipSpace();
            if (atEnd() || peek(",") || peek("]") || peek("->")) {
                throw new FlowSyntaxException(arrow + 1, "'->' leads nowhere; expected a processor name or '[' after it");
            }
            Part following = node();
            long made = (long) last.tails().size() * following.heads().size();
            if (edges + made > FlowGraph.MAX_EDGES) {
                throw new FlowSyntaxException(arrow + 1, "more than " + FlowGraph.MAX_EDGES + " edges (the limit per flow): this '->' joins "
                        + last.tails().size() + " processors to " + following.heads().size());
            }
            edges += made;
            for (String from : last.tails()) {
                for (String to : following.heads()) {
                    if (!next.get(from).add(to)) {
                        throw new FlowSyntaxException(arrow + 1, "the edge " + from + "->" + to + " is written twice");
                    }
                }
            }
            last = following;
        }
    }

    private Part node() throws FlowSyntaxException {
        skipSpace();
        if (atEnd()) {
            throw new FlowSyntaxException(position + 1, "the flow ends early; expected a processor name or '['");
        }
        char c = text.charAt(position);
        if (c == '[') {
            int open = position;
            position++;
            skipSpace();
            if (peek("]")) {
                throw new FlowSyntaxException(open + 1, "empty brackets; expected a flow inside '[ ]'");
            }
            if (++depth > MAX_DEPTH) {
                throw new FlowSyntaxException(open + 1, "brackets nested deeper than " + MAX_DEPTH + " levels");
            }
            Part inner = flow();
            depth--;
            skipSpace();
            if (!peek("]")) {
                throw new FlowSyntaxException(atEnd() ? open + 1 : position + 1, atEnd()
                        ? "'[' is never closed"
                        : "expected ',' or ']' but found '" + text.charAt(position) + "'");
            }
            position++;
            return inner;
        }
        int start = position;
        while (!atEnd() && isNameChar(text.charAt(position))) {
            position++;
        }
        if (start == position) {
            throw new FlowSyntaxException(start + 1, "expected a processor name or '[' but found '" + c + "'");
        }
        String name = text.substring(start, position);
        if (!next.containsKey(name)) {
            if (next.size() == FlowGraph.MAX_PROCESSORS) {
                throw new FlowSyntaxException(start + 1, "more than " + FlowGraph.MAX_PROCESSORS + " processors (the limit per flow)");
            }
            next.put(name, new LinkedHashSet<>());
        }
        return new Part(List.of(name), List.of(name));
    }

    private static boolean isNameChar(char c) {
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private boolean peek(String token) {
        return text.startsWith(token, position);
    }

    private boolean atEnd() {
        return position >= text.length();
    }

    private void skipSpace() {
        while (!atEnd() && " \t\r\n".indexOf(text.charAt(position)) >= 0) {
            position++;
        }
    }

    /**
     * Writes a graph as a flow string that parses back to the same graph: every edge as
     * {@code A->B}, and every processor without edges by its name, separated by commas.
     */
    static String write(Map<String, List<String>> next) {
        Set<String> reached = new LinkedHashSet<>();
        next.values().forEach(reached::addAll);
        List<String> parts = new ArrayList<>();
        next.forEach((from, tos) -> {
            if (tos.isEmpty() && !reached.contains(from)) {
                parts.add(from);
            }
            tos.forEach(to -> parts.add(from + "->" + to));
        });
        return String.join(", ", parts);
    }
}
