package streamline.runtime.engine;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.TriggerDefinition;

/**
 * What an activation warns about a flow that may be a mistake but still runs: no enabled trigger, keys its processor
 * types do not declare. Separate from {@link FlowActivation}, which decides what runs: these warnings change nothing,
 * and each is said once while it stays true. Guarded by the flow lock ({@link FlowRuns#lock}).
 */
final class FlowWarnings {

    /** Logs as the flow activation did: these warnings are about its flows. */
    private static final Logger LOG = LogManager.getLogger(FlowActivation.class);

    private final ProcessorRegistry registry;
    /** Active flows said to have no enabled trigger, so that it is said once while it stays so. */
    private final Set<UUID> withoutTrigger = new HashSet<>();

    FlowWarnings(ProcessorRegistry registry) {
        this.registry = registry;
    }

    /**
     * A flow without an enabled trigger runs only the sessions submitted to it: legitimate (a flow fed by the shell or
     * another flow), but more often a trigger forgotten or left disabled, so it is said once while it stays so.
     */
    void warnIfWithoutTrigger(FlowDefinition flow) {
        if (flow.triggers().stream().anyMatch(TriggerDefinition::enabled)) {
            withoutTrigger.remove(flow.id());
        } else if (withoutTrigger.add(flow.id())) {
            LOG.warn("flow {} ({}) has no enabled trigger: it runs only the sessions submitted to it", flow.name(), flow.id());
        }
    }

    /** The flow is no longer active: if it comes back without a trigger, that is said again. */
    void inactive(UUID flowId) {
        withoutTrigger.remove(flowId);
    }

    /** Forgets every flow (the engine stopped). */
    void clear() {
        withoutTrigger.clear();
    }

    /** Warns about the keys of the run's flow that its types do not declare, once per flow version (whoever checked first). */
    void warnUnknownKeys(FlowRun run) {
        try {
            registry.declared.check(run.definition);
        } catch (InvalidFlowException e) {
            // its instances were checked as they were made: a mistake there kept them from being made
        } catch (RuntimeException e) {
            LOG.warn("{}: cannot check its keys against what its types declare: {}", run, e.toString());
        }
    }
}
