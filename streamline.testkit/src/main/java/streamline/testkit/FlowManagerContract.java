package streamline.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.LogLevel;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.ProcessorNotFoundException;
import streamline.api.flow.TriggerDefinition;

/**
 * What every {@link FlowManager} must do. An implementation's test extends this class and supplies
 * an empty store per test.
 */
public abstract class FlowManagerContract {

    protected FlowManager store;

    /** An empty store; called before every test. */
    protected abstract FlowManager createEmptyStore() throws Exception;

    @BeforeEach
    void createStore() throws Exception {
        store = createEmptyStore();
    }

    private static UUID pid(String flow, String processor) {
        return TestFlows.id(flow, processor);
    }

    private static List<String> names(List<ProcessorDefinition> processors) {
        return processors.stream().map(ProcessorDefinition::name).toList();
    }

    private static Map<String, List<String>> links(FlowDefinition flow) {
        Map<UUID, String> nameOf = flow.processors().stream()
                .collect(Collectors.toMap(ProcessorDefinition::id, ProcessorDefinition::name));
        Map<String, List<String>> links = new HashMap<>();
        for (ProcessorDefinition p : flow.processors()) {
            links.put(p.name(), p.nextProcessorIds().stream().map(nameOf::get).toList());
        }
        return links;
    }

    /** A flow with every field set to something other than its default, and a trigger. */
    protected static FlowDefinition richFlow(String name) {
        FlowDefinition base = TestFlows.flow(name, "Tag->Store", "Tag->Audit");
        List<ProcessorDefinition> processors = new ArrayList<>();
        for (ProcessorDefinition p : base.processors()) {
            processors.add(p.toBuilder().type("Type" + p.name()).maxRetries(3).backoffSeconds(5)
                    .logLevel(LogLevel.DEBUG).enabled(!p.name().equals("Audit"))
                    .config(Map.of("path", "/out/${name}", "n", 7, "nested", Map.of("list", List.of(1, "two", true))))
                    .build());
        }
        return base.toBuilder().description("every field set").active(true).processors(processors)
                .trigger(TriggerDefinition.builder().id(TriggerDefinition.idFromName(base.id(), "Inbox"))
                        .name("Inbox").type("ReadDir").config(Map.of("input", "/data/in"))
                        .cronExpression("*/10 * * * * ?").singleNode(true).logLevel(LogLevel.WARN).build())
                .build();
    }

    @Test
    void savedFlowReadsBackEqualWithANewLastUpdated() throws Exception {
        FlowDefinition flow = richFlow("rich");
        FlowDefinition saved = store.save(flow);
        assertTrue(saved.lastUpdated().isAfter(Instant.EPOCH));
        assertEquals(flow.toBuilder().lastUpdated(saved.lastUpdated()).build(), saved);
        assertEquals(saved, store.flow(flow.id()));
        assertEquals(flow.processors(), store.processors(flow.id()));
        assertEquals(flow.triggers(), store.triggers(flow.id()));
        assertEquals(List.of("Tag"), names(store.firstProcessors(flow.id())));
        assertEquals(flow.processors().get(1), store.processor(flow.id(), pid("rich", "Store")));
    }

    @Test
    void snapshotsCannotChangeTheStore() throws Exception {
        FlowDefinition saved = store.save(richFlow("snap"));
        FlowDefinition read = store.flow(saved.id());
        assertThrows(UnsupportedOperationException.class, () -> read.processors().clear());
        assertThrows(UnsupportedOperationException.class, () -> read.processors().get(0).config().put("x", "y"));
        @SuppressWarnings("unchecked")
        Map<String, Object> nested = (Map<String, Object>) read.processors().get(0).config().get("nested");
        assertThrows(UnsupportedOperationException.class, () -> nested.put("x", "y"));
        assertThrows(UnsupportedOperationException.class, () -> store.processors(saved.id()).remove(0));
        assertEquals(saved, store.flow(saved.id()));
    }

    @Test
    void unknownFlowsAndProcessorsAreReportedByType() throws Exception {
        UUID unknown = UUID.randomUUID();
        assertEquals(unknown, assertThrows(FlowNotFoundException.class, () -> store.flow(unknown)).flowId());
        assertThrows(FlowNotFoundException.class, () -> store.processors(unknown));
        assertThrows(FlowNotFoundException.class, () -> store.firstProcessors(unknown));
        assertThrows(FlowNotFoundException.class, () -> store.triggers(unknown));
        assertThrows(FlowNotFoundException.class, () -> store.setActive(unknown, true));
        FlowDefinition saved = store.save(TestFlows.flow("known", "A->B"));
        UUID missing = UUID.randomUUID();
        assertEquals(List.of(missing),
                assertThrows(ProcessorNotFoundException.class, () -> store.processor(saved.id(), missing)).processorIds());
    }

    @Test
    void processorsByIdsSpanFlowsKeepOrderAndNameTheMissing() throws Exception {
        store.save(TestFlows.flow("one", "A->B"));
        store.save(TestFlows.flow("two", "C->D"));
        List<ProcessorDefinition> found = store.processorsByIds(List.of(pid("two", "D"), pid("one", "A"), pid("two", "C")));
        assertEquals(List.of("D", "A", "C"), names(found));
        UUID missing = UUID.randomUUID();
        ProcessorNotFoundException e = assertThrows(ProcessorNotFoundException.class,
                () -> store.processorsByIds(List.of(pid("one", "B"), missing)));
        assertEquals(List.of(missing), e.processorIds());
    }

    @Test
    void saveReplacesTheWholeFlowAndRemovesDroppedProcessors() throws Exception {
        store.save(TestFlows.flow("whole", "A->B->C"));
        FlowDefinition replaced = store.save(TestFlows.flow("whole", "A->C"));
        assertEquals(List.of("A", "C"), names(store.processors(replaced.id())));
        assertThrows(ProcessorNotFoundException.class, () -> store.processorsByIds(List.of(pid("whole", "B"))));
        assertThrows(ProcessorNotFoundException.class, () -> store.processor(replaced.id(), pid("whole", "B")));
        // the dropped processor's id is free again for another flow
        FlowDefinition other = TestFlows.flow("other", "X");
        store.save(other.toBuilder().processors(List.of(other.processors().get(0).toBuilder().id(pid("whole", "B")).build())).build());
    }

    @Test
    void invalidFlowsAreRefusedWholeAndTheLastGoodVersionStays() throws Exception {
        FlowDefinition good = store.save(TestFlows.flow("guarded", "A->B"));
        List<FlowDefinition> invalid = List.of(
                TestFlows.flow("guarded", "A->B->A"),
                TestFlows.flow("guarded", "A->B").toBuilder()
                        .processor(ProcessorDefinition.builder().id(UUID.randomUUID()).name("A").type("T").build()).build(),
                TestFlows.flow("guarded", "A").toBuilder().processors(List.of(ProcessorDefinition.builder()
                        .id(pid("guarded", "A")).name("A").type("T").next(UUID.randomUUID()).build())).build(),
                TestFlows.flow("guarded", "A").toBuilder().processors(List.of()).build(),
                TestFlows.flow("guarded", "A").toBuilder().processors(List.of(ProcessorDefinition.builder()
                        .id(pid("guarded", "A")).name("bad name").type("T").build())).build(),
                TestFlows.flow("guarded", "A").toBuilder().processors(List.of(ProcessorDefinition.builder()
                        .id(pid("guarded", "A")).name("A").type("T").maxRetries(-1).build())).build());
        for (FlowDefinition flow : invalid) {
            InvalidFlowException e = assertThrows(InvalidFlowException.class, () -> store.save(flow));
            assertFalse(e.problems().isEmpty());
            assertEquals("guarded", e.flowName());
        }
        assertEquals(good, store.flow(good.id()));
        assertEquals(1, store.listFlows(new PageRequest(0, 10), Instant.EPOCH).total());
    }

    @Test
    void aCycleIsNamedInTheError() {
        InvalidFlowException e = assertThrows(InvalidFlowException.class,
                () -> store.save(TestFlows.flow("cyclic", "A->B->C->B")));
        assertTrue(e.getMessage().contains("B->C->B"), e.getMessage());
    }

    @Test
    void idsAreUniqueAcrossTheStore() throws Exception {
        store.save(TestFlows.flow("owner", "A->B"));
        FlowDefinition thief = TestFlows.flow("thief", "X");
        FlowDefinition stealing = thief.toBuilder().processors(List.of(
                thief.processors().get(0).toBuilder().id(pid("owner", "A")).build())).build();
        InvalidFlowException e = assertThrows(InvalidFlowException.class, () -> store.save(stealing));
        assertTrue(e.getMessage().contains("owner"), e.getMessage());
        assertThrows(FlowNotFoundException.class, () -> store.flow(thief.id()));
    }

    @Test
    void addBeforeRelinksEveryPredecessor() throws Exception {
        FlowDefinition flow = store.save(TestFlows.flow("before", "A->C", "B->C", "C->D"));
        ProcessorDefinition x = ProcessorDefinition.builder().id(UUID.randomUUID()).name("X").type("T").build();
        FlowDefinition changed = store.addProcessorBefore(flow.id(), x, pid("before", "C"));
        assertEquals(Map.of("A", List.of("X"), "B", List.of("X"), "X", List.of("C"), "C", List.of("D"), "D", List.of()),
                links(changed));
        assertEquals(changed, store.flow(flow.id()));
        assertTrue(changed.lastUpdated().isAfter(flow.lastUpdated()));
        FlowGraph.of(changed);
    }

    @Test
    void addBeforeAFirstProcessorMakesTheNewOneFirst() throws Exception {
        FlowDefinition flow = store.save(TestFlows.flow("head", "A->B"));
        ProcessorDefinition x = ProcessorDefinition.builder().id(UUID.randomUUID()).name("X").type("T").build();
        store.addProcessorBefore(flow.id(), x, pid("head", "A"));
        assertEquals(List.of("X"), names(store.firstProcessors(flow.id())));
        assertEquals(Map.of("X", List.of("A"), "A", List.of("B"), "B", List.of()), links(store.flow(flow.id())));
    }

    @Test
    void addAfterTakesOverTheNextProcessors() throws Exception {
        FlowDefinition flow = store.save(TestFlows.flow("after", "A->B", "A->C"));
        ProcessorDefinition x = ProcessorDefinition.builder().id(UUID.randomUUID()).name("X").type("T").build();
        FlowDefinition changed = store.addProcessorAfter(flow.id(), x, pid("after", "A"));
        assertEquals(Map.of("A", List.of("X"), "X", List.of("B", "C"), "B", List.of(), "C", List.of()), links(changed));
    }

    @Test
    void badAdditionsChangeNothing() throws Exception {
        FlowDefinition flow = store.save(TestFlows.flow("strict", "A->B"));
        ProcessorDefinition linked = ProcessorDefinition.builder().id(UUID.randomUUID()).name("X").type("T")
                .next(pid("strict", "B")).build();
        assertThrows(InvalidFlowException.class, () -> store.addProcessorAfter(flow.id(), linked, pid("strict", "A")));
        ProcessorDefinition duplicateName = ProcessorDefinition.builder().id(UUID.randomUUID()).name("B").type("T").build();
        assertThrows(InvalidFlowException.class, () -> store.addProcessorBefore(flow.id(), duplicateName, pid("strict", "B")));
        ProcessorDefinition fine = ProcessorDefinition.builder().id(UUID.randomUUID()).name("X").type("T").build();
        assertThrows(ProcessorNotFoundException.class, () -> store.addProcessorAfter(flow.id(), fine, UUID.randomUUID()));
        assertThrows(FlowNotFoundException.class, () -> store.addProcessorAfter(UUID.randomUUID(), fine, pid("strict", "A")));
        assertEquals(flow, store.flow(flow.id()));
    }

    @Test
    void listedFlowsEqualTheFlowsReadOneByOne() throws Exception {
        List<UUID> ids = new ArrayList<>();
        ids.add(store.save(richFlow("listed-rich")).id());
        ids.add(store.save(TestFlows.flow("listed-chain", "A->B->C", "A->C")).id());
        ids.add(store.save(richFlow("listed-other")).id());
        ids.add(store.save(TestFlows.flow("listed-single", "Z")).id());
        List<FlowDefinition> oneByOne = new ArrayList<>();
        for (UUID id : ids) {
            oneByOne.add(store.flow(id));
        }
        assertEquals(oneByOne, store.listFlows(new PageRequest(0, 10), Instant.EPOCH).items(),
                "each flow with its own processors and triggers, in their order");
    }

    @Test
    void listingPagesInUpdateOrder() throws Exception {
        List<UUID> saved = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            saved.add(store.save(TestFlows.flow("paged" + i, "A")).id());
        }
        List<UUID> listed = new ArrayList<>();
        for (int page = 0; page < 3; page++) {
            Page<FlowDefinition> p = store.listFlows(new PageRequest(page, 10), Instant.EPOCH);
            assertEquals(25, p.total());
            assertEquals(page < 2, p.hasNext());
            p.items().forEach(f -> listed.add(f.id()));
        }
        assertEquals(saved, listed);
        assertEquals(List.of(), store.listFlows(new PageRequest(3, 10), Instant.EPOCH).items());
    }

    @Test
    void sinceListsOnlyLaterChanges() throws Exception {
        FlowDefinition a = store.save(TestFlows.flow("a", "A"));
        FlowDefinition b = store.save(TestFlows.flow("b", "A"));
        Instant seen = b.lastUpdated();
        assertEquals(List.of(), store.listFlows(new PageRequest(0, 10), seen).items());
        FlowDefinition c = store.save(TestFlows.flow("c", "A"));
        FlowDefinition a2 = store.setActive(a.id(), false);
        List<UUID> changed = store.listFlows(new PageRequest(0, 10), seen).items().stream().map(FlowDefinition::id).toList();
        assertEquals(List.of(c.id(), a2.id()), changed);
        assertEquals(3, store.listFlows(new PageRequest(0, 10), Instant.MIN).total());
    }

    /** A change a test makes while a listing runs. */
    @FunctionalInterface
    protected interface Change {
        void run() throws Exception;
    }

    /**
     * Lists a page while {@code change} is made in the middle of the listing. This default makes it first:
     * a store whose listing is atomic against saves sees a change made during it wholly before or after
     * it. A store whose listing takes several statements overrides this to make the change between them.
     */
    protected Page<FlowDefinition> listDuring(PageRequest page, Instant since, Change change) throws Exception {
        change.run();
        return store.listFlows(page, since);
    }

    /**
     * A poll that pages by the last flow it listed (its {@code lastUpdated} as the next {@code since})
     * misses no flow when a flow it listed is saved again between two pages: that flow moves to the end and
     * is listed again, and the flows after it are not skipped (paging by offset would skip the first of
     * the next page).
     */
    @Test
    void pollingByTheLastListedFlowMissesNoFlowSavedAgainBetweenPages() throws Exception {
        List<FlowDefinition> saved = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            saved.add(store.save(TestFlows.flow("poll" + i, "A")));
        }
        Map<UUID, Instant> seen = new HashMap<>();
        Instant since = Instant.EPOCH;
        boolean savedAgain = false;
        while (true) {
            List<FlowDefinition> items = store.listFlows(new PageRequest(0, 2), since).items();
            if (items.isEmpty()) {
                break;
            }
            for (FlowDefinition flow : items) {
                assertTrue(flow.lastUpdated().isAfter(since), "listed in update order after " + since);
                seen.put(flow.id(), flow.lastUpdated());
                since = flow.lastUpdated();
            }
            if (!savedAgain) {
                store.save(saved.get(0).toBuilder().description("saved again during the poll").build());
                savedAgain = true;
            }
        }
        assertEquals(store.lastUpdateTimes(saved.stream().map(FlowDefinition::id).toList()), seen,
                "every flow listed, in its latest version");
    }

    /**
     * No flow a listing returns is newer than a flow committed during the listing that it does not return:
     * a poll that goes on after the newest flow it listed then misses nothing, even when flows are saved,
     * and listed flows saved again, while a page is read.
     */
    @Test
    void aListingNeverPassesAFlowCommittedDuringIt() throws Exception {
        FlowDefinition a = store.save(TestFlows.flow("during-a", "A->B"));
        FlowDefinition b = store.save(TestFlows.flow("during-b", "A->B"));
        List<UUID> created = new ArrayList<>();
        Page<FlowDefinition> first = listDuring(new PageRequest(0, 10), Instant.EPOCH, () -> {
            created.add(store.save(TestFlows.flow("during-new", "A")).id());
            store.save(a.toBuilder().description("saved again during the listing").build());
        });
        Map<UUID, Instant> seen = new HashMap<>();
        Instant newest = Instant.EPOCH;
        for (FlowDefinition flow : first.items()) {
            seen.put(flow.id(), flow.lastUpdated());
            newest = flow.lastUpdated().isAfter(newest) ? flow.lastUpdated() : newest;
        }
        for (FlowDefinition flow : store.listFlows(new PageRequest(0, 10), newest).items()) {
            seen.put(flow.id(), flow.lastUpdated());
        }
        assertEquals(store.lastUpdateTimes(List.of(a.id(), b.id(), created.get(0))), seen,
                "the listing and the poll after its newest flow show every flow in its latest version");
    }

    /** A page whose offset is past what an {@code int} holds is empty, not page 0 again. */
    @Test
    void aPageFarBeyondTheFlowsIsEmpty() throws Exception {
        store.save(TestFlows.flow("only", "A"));
        Page<FlowDefinition> far = store.listFlows(new PageRequest(524_288, 8_192), Instant.EPOCH);
        assertEquals(List.of(), far.items());
        assertEquals(1, far.total());
        assertEquals(List.of(), store.listFlows(new PageRequest(Integer.MAX_VALUE, PageRequest.MAX_SIZE), Instant.EPOCH).items());
    }

    /** Configuration values that are not finite numbers come back as the doubles they were, not as text. */
    @Test
    void nonFiniteNumbersInConfigurationComeBackAsNumbers() throws Exception {
        Map<String, Object> config = Map.of("nan", Double.NaN, "up", Double.POSITIVE_INFINITY, "down", Double.NEGATIVE_INFINITY,
                "text", "NaN", "list", List.of(Double.NaN, 1.5));
        FlowDefinition base = TestFlows.flow("odd-numbers", "A");
        FlowDefinition flow = store.save(base.toBuilder().processors(List.of(base.processors().get(0).toBuilder()
                .config(config).build())).build());
        assertEquals(config, store.flow(flow.id()).processors().get(0).config());
        assertEquals(config, store.listFlows(new PageRequest(0, 10), Instant.EPOCH).items().get(0).processors().get(0).config());
    }

    @Test
    void everyChangeGetsALaterTimestamp() throws Exception {
        Instant previous = Instant.EPOCH;
        for (int i = 0; i < 200; i++) {
            Instant stamp = store.save(TestFlows.flow("fast" + (i % 3), "A")).lastUpdated();
            assertTrue(stamp.isAfter(previous), "save " + i + ": " + stamp + " is not after " + previous);
            previous = stamp;
        }
    }

    @Test
    void setActiveFlipsTheFlagAndCountsAsAnUpdate() throws Exception {
        FlowDefinition flow = store.save(TestFlows.flow("toggle", "A").toBuilder().active(false).build());
        FlowDefinition on = store.setActive(flow.id(), true);
        assertTrue(on.active());
        assertTrue(on.lastUpdated().isAfter(flow.lastUpdated()));
        assertEquals(on, store.flow(flow.id()));
        assertFalse(store.setActive(flow.id(), false).active());
    }

    @Test
    void lastUpdateTimesLeaveOutUnknownFlows() throws Exception {
        FlowDefinition a = store.save(TestFlows.flow("t1", "A"));
        FlowDefinition b = store.save(TestFlows.flow("t2", "A"));
        Map<UUID, Instant> times = store.lastUpdateTimes(List.of(a.id(), UUID.randomUUID(), b.id()));
        assertEquals(Map.of(a.id(), a.lastUpdated(), b.id(), b.lastUpdated()), times);
    }

    @Test
    void concurrentWritersAndReadersSeeWholeVersions() throws Exception {
        // each writer saves versions of its own flow: version v has v+1 processors and says v in its description
        int writers = 4;
        int versions = 40;
        ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
        List<Callable<?>> work = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String name = "writer" + w;
            work.add(() -> {
                for (int v = 0; v < versions; v++) {
                    String[] chain = new String[] {String.join("->", IntStream.rangeClosed(0, v)
                            .mapToObj(i -> "P" + i).toList())};
                    store.save(TestFlows.flow(name, chain).toBuilder().description(Integer.toString(v)).build());
                }
                return null;
            });
        }
        for (int r = 0; r < 2; r++) {
            work.add(() -> {
                for (int i = 0; i < 200; i++) {
                    for (FlowDefinition f : store.listFlows(new PageRequest(0, 100), Instant.EPOCH).items()) {
                        if (f.processors().size() != Integer.parseInt(f.description()) + 1) {
                            torn.add(f.name() + " v" + f.description() + " has " + f.processors().size());
                        }
                    }
                }
                return null;
            });
        }
        Concurrently.run(work);
        assertEquals(List.of(), new ArrayList<>(torn));
        Page<FlowDefinition> all = store.listFlows(new PageRequest(0, 100), Instant.EPOCH);
        assertEquals(writers, all.total());
        for (FlowDefinition f : all.items()) {
            assertEquals(Integer.toString(versions - 1), f.description());
            assertEquals(versions, f.processors().size());
        }
    }
}
