package streamline.runtime.engine;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;

/** A flow store passing every call to another: tests override the calls whose timing or answer they change. */
class DelegatingFlowStore implements FlowManager {
    final FlowManager store;

    DelegatingFlowStore(FlowManager store) {
        this.store = store;
    }

    @Override public Page<FlowDefinition> listFlows(PageRequest page, Instant since) throws FlowStoreException { return store.listFlows(page, since); }
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
