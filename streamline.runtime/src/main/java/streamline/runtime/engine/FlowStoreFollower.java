package streamline.runtime.engine;

import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;

/**
 * Follows the flow store in use: polls it for the flows updated since its last look (every flow after a switch of
 * stores, and after a failed full look) and hands each to {@link FlowActivation}, which brings it into effect; an
 * active flow the store no longer has is deactivated.
 */
final class FlowStoreFollower {

    /** Logs as the flow activation did, so that reading the store reads in the same place as activating its flows. */
    private static final Logger LOG = LogManager.getLogger(FlowActivation.class);
    private static final int FLOW_PAGE = 200;

    private final EngineOptions options;
    private final ScheduledExecutorService scheduler;
    private final FlowActivation activation;

    private volatile FlowManager store;
    private volatile Instant flowsSeenUntil = Instant.EPOCH;
    private volatile boolean resyncFlows = true;
    private volatile String lastPollError = "";
    private ScheduledFuture<?> polling;

    FlowStoreFollower(EngineOptions options, ScheduledExecutorService scheduler, FlowActivation activation) {
        this.options = options;
        this.scheduler = scheduler;
        this.activation = activation;
    }

    /** Starts following a flow store. */
    void start(FlowManager flows) {
        store = Objects.requireNonNull(flows, "flows");
        polling = scheduler.scheduleWithFixedDelay(this::pollFlowsSafely, 0, options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    FlowManager store() {
        return store;
    }

    /** Follows another flow store from now on: every flow is read again from it, at once. */
    void follow(FlowManager flows) {
        store = Objects.requireNonNull(flows, "flows");
        resyncFlows = true;
        if (!activation.stopped()) {
            try {
                scheduler.execute(this::pollFlowsSafely);
            } catch (RejectedExecutionException e) {
                // stopping
            }
        }
    }

    /** Stops following the store (the activation stopped). */
    void stop() {
        if (polling != null) {
            polling.cancel(false);
        }
    }

    /** The periodic task: a task that throws is never run again, so nothing may escape it. */
    private void pollFlowsSafely() {
        try {
            pollFlows();
        } catch (Throwable e) {
            LOG.error("reading the flow store failed; trying again in {} ms", options.pollInterval().toMillis(), e);
        }
    }

    private void pollFlows() {
        FlowManager flows = store;
        if (flows == null || activation.stopped()) {
            return;
        }
        boolean full = resyncFlows;
        resyncFlows = false;
        Instant since = full ? Instant.EPOCH : flowsSeenUntil;
        Instant newest = since;
        Set<UUID> seen = new HashSet<>();
        try {
            Page<FlowDefinition> flowsPage;
            do {
                // paged by the last flow listed, never by offset: a flow saved again meanwhile moves to the end
                // and is listed again, where by offset it would shift the next page's first flow out of sight
                flowsPage = flows.listFlows(new PageRequest(0, FLOW_PAGE), newest);
                for (FlowDefinition flow : flowsPage.items()) {
                    seen.add(flow.id());
                    if (flow.lastUpdated().isAfter(newest)) {
                        newest = flow.lastUpdated();
                    }
                    activation.reconcileSafely(flow);
                }
            } while (flowsPage.hasNext() && !flowsPage.items().isEmpty());
            if (full) {
                for (UUID active : activation.activeIds()) {
                    if (!seen.contains(active)) {
                        // not listed is not gone: a store leaves off a flow saved while its page was read, and
                        // the listing stops at a page it left empty; the store's own answer decides
                        FlowDefinition current;
                        try {
                            current = flows.flow(active);
                        } catch (FlowNotFoundException gone) {
                            current = null;
                        }
                        if (current == null) {
                            activation.deactivate(active, "it is not in the flow store now in use");
                        } else {
                            activation.reconcileSafely(current);
                        }
                    }
                }
            }
            flowsSeenUntil = newest;
            lastPollError = "";
        } catch (FlowStoreException | RuntimeException | StackOverflowError | LinkageError e) {
            // whatever a store throws, this task runs again at the next interval: a periodic task that throws is never run again
            if (full) {
                resyncFlows = true;
            }
            String message = e.getMessage();
            if (!Objects.equals(message, lastPollError)) {
                LOG.warn("cannot read flows from the flow store (retrying every {} ms): {}", options.pollInterval().toMillis(), message);
                lastPollError = message;
            }
        }
    }
}
