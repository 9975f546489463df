package streamline.runtime;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.testkit.TestFlows;
import streamline.wal.file.FileWriteAheadLog;

/** The engine's polling of the flow store misses no flow while flows are saved during a poll. */
class FlowPollingTest {

    @TempDir
    Path directory;

    private EngineHarness harness;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    /**
     * A poll that spans pages, during which a flow of its first page is saved again: that flow moves to the
     * end of the listing. The flow that was first on the second page must still be listed and activated
     * (paging by offset skipped it, and the poll's newest stamp was already past it, so it stayed off for good).
     */
    @Test
    void aFlowSavedAgainDuringAMultiPagePollShiftsNoOtherOutOfSight() throws Exception {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        InMemoryFlowManager memory = new InMemoryFlowManager();
        // the engine lists 200 flows a page: 200 inactive flows, then the one that must become active
        FlowDefinition firstListed = null;
        for (int i = 0; i < 200; i++) {
            FlowDefinition idle = memory.save(TestFlows.flow("idle" + i, "A").toBuilder().active(false).build());
            firstListed = firstListed == null ? idle : firstListed;
        }
        FlowDefinition wanted = memory.save(TestFlows.flow("wanted", "A"));
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        harness.engine = new StreamlineEngine(harness.options().build(), harness.tracker, harness.registry);
        harness.engine.start(harness.wal, new SavingDuringAPoll(memory, firstListed));
        EngineHarness.await("flow 'wanted' active", () -> harness.engine.activeFlows().keySet().stream()
                .anyMatch(active -> active.id().equals(wanted.id())), harness.engine::activeFlows);
    }

    /** A store that, once, saves a flow again right after it returned the first page of a listing with more pages. */
    private static final class SavingDuringAPoll implements FlowManager {
        private final FlowManager store;
        private final FlowDefinition saveAgain;
        private final AtomicBoolean done = new AtomicBoolean();

        SavingDuringAPoll(FlowManager store, FlowDefinition saveAgain) {
            this.store = store;
            this.saveAgain = saveAgain;
        }

        @Override
        public Page<FlowDefinition> listFlows(PageRequest page, Instant since) throws FlowStoreException {
            Page<FlowDefinition> listed = store.listFlows(page, since);
            if (listed.hasNext() && done.compareAndSet(false, true)) {
                store.save(saveAgain.toBuilder().description("saved again during a poll").build());
            }
            return listed;
        }

        @Override public List<ProcessorDefinition> firstProcessors(UUID flowId) throws FlowStoreException { return store.firstProcessors(flowId); }
        @Override public List<ProcessorDefinition> processors(UUID flowId) throws FlowStoreException { return store.processors(flowId); }
        @Override public List<TriggerDefinition> triggers(UUID flowId) throws FlowStoreException { return store.triggers(flowId); }
        @Override public List<ProcessorDefinition> processorsByIds(Collection<UUID> ids) throws FlowStoreException { return store.processorsByIds(ids); }
        @Override public FlowDefinition flow(UUID flowId) throws FlowStoreException { return store.flow(flowId); }
        @Override public ProcessorDefinition processor(UUID flowId, UUID processorId) throws FlowStoreException { return store.processor(flowId, processorId); }
        @Override public FlowDefinition addProcessorBefore(UUID flowId, ProcessorDefinition p, UUID ref) throws FlowStoreException { return store.addProcessorBefore(flowId, p, ref); }
        @Override public FlowDefinition addProcessorAfter(UUID flowId, ProcessorDefinition p, UUID ref) throws FlowStoreException { return store.addProcessorAfter(flowId, p, ref); }
        @Override public FlowDefinition save(FlowDefinition flow) throws FlowStoreException { return store.save(flow); }
        @Override public Map<UUID, Instant> lastUpdateTimes(Collection<UUID> flowIds) throws FlowStoreException { return store.lastUpdateTimes(flowIds); }
        @Override public FlowDefinition setActive(UUID flowId, boolean active) throws FlowStoreException { return store.setActive(flowId, active); }
    }
}
