package streamline.runtime.engine;

import java.time.Instant;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;

/**
 * Carries flows from one flow store into another when the engine moves to it, so that no flow
 * stops because of a switch: a flow the new store lacks is saved there, and one it holds in an
 * older, different version is replaced; the very same definition is left alone (saving it again
 * would only re-activate it).
 */
final class FlowHandover {

    private static final int PAGE = 200;

    private FlowHandover() {
    }

    /** @return how many flows were saved into {@code to} */
    static int carry(FlowManager from, FlowManager to) throws FlowStoreException {
        int saved = 0;
        Instant after = Instant.EPOCH;
        Page<FlowDefinition> flows;
        do {
            // paged by the last flow listed, as the poll does: a flow saved meanwhile shifts no other out of sight
            flows = from.listFlows(new PageRequest(0, PAGE), after);
            for (FlowDefinition flow : flows.items()) {
                after = flow.lastUpdated().isAfter(after) ? flow.lastUpdated() : after;
                if (needs(to, flow)) {
                    to.save(flow);
                    saved++;
                }
            }
        } while (flows.hasNext() && !flows.items().isEmpty());
        return saved;
    }

    private static boolean needs(FlowManager store, FlowDefinition flow) throws FlowStoreException {
        FlowDefinition held;
        try {
            held = store.flow(flow.id());
        } catch (FlowNotFoundException e) {
            return true;
        }
        return !held.equalsIgnoringLastUpdated(flow) && held.lastUpdated().isBefore(flow.lastUpdated());
    }
}
