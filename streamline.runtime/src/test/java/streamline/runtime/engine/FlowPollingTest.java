package streamline.runtime.engine;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
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

    /**
     * A full listing (here on switching stores) that leaves a flow off because it was saved again while its
     * page was read, as the JPA store does (it is then newer than the listing's horizon, for the next poll):
     * that flow is still in the store, and is not deactivated as if it had gone.
     */
    @Test
    void aFlowLeftOffAFullListingBecauseItWasSavedMeanwhileIsNotDeactivated() throws Exception {
        harness = new EngineHarness(directory);
        harness.processor("Noop", () -> (input, step) -> input);
        InMemoryFlowManager memory = new InMemoryFlowManager();
        FlowDefinition kept = memory.save(TestFlows.flow("kept", "A"));
        harness.wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        harness.engine = new StreamlineEngine(harness.options().build(), harness.tracker, harness.registry);
        harness.engine.start(harness.wal, memory);
        EngineHarness.await("flow 'kept' active", () -> isActive(kept), harness.engine::activeFlows);
        LeavingOffOnce store = new LeavingOffOnce(memory, kept, () -> isActive(kept));
        harness.engine.setFlowManager(store);
        EngineHarness.await("a listing after the full one", () -> store.activeAtNextListing != null, harness.engine::activeFlows);
        org.junit.jupiter.api.Assertions.assertTrue(store.activeAtNextListing,
                "the flow left off the full listing stayed active: " + harness.engine.activeFlows());
    }

    private boolean isActive(FlowDefinition flow) {
        return harness.engine.activeFlows().keySet().stream().anyMatch(active -> active.id().equals(flow.id()));
    }

    /**
     * A store whose first listing leaves a flow off and saves it again (a flow saved while its page was
     * read); at the next listing, whether that flow was active, as the poll before left it.
     */
    private static final class LeavingOffOnce extends DelegatingFlowStore {
        private final FlowDefinition leftOff;
        private final java.util.function.BooleanSupplier active;
        private final java.util.concurrent.atomic.AtomicInteger listings = new java.util.concurrent.atomic.AtomicInteger();
        volatile Boolean activeAtNextListing;

        LeavingOffOnce(FlowManager store, FlowDefinition leftOff, java.util.function.BooleanSupplier active) {
            super(store);
            this.leftOff = leftOff;
            this.active = active;
        }

        @Override
        public Page<FlowDefinition> listFlows(PageRequest page, Instant since) throws FlowStoreException {
            int listing = listings.incrementAndGet();
            if (listing == 2) {
                activeAtNextListing = active.getAsBoolean();
            }
            Page<FlowDefinition> listed = store.listFlows(page, since);
            if (listing != 1) {
                return listed;
            }
            store.save(store.flow(leftOff.id()).toBuilder().description("saved while its page was read").build());
            List<FlowDefinition> items = listed.items().stream().filter(f -> !f.id().equals(leftOff.id())).toList();
            return new Page<>(items, page, listed.total());
        }
    }

    /** A store that, once, saves a flow again right after it returned the first page of a listing with more pages. */
    private static final class SavingDuringAPoll extends DelegatingFlowStore {
        private final FlowDefinition saveAgain;
        private final AtomicBoolean done = new AtomicBoolean();

        SavingDuringAPoll(FlowManager store, FlowDefinition saveAgain) {
            super(store);
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
    }
}
