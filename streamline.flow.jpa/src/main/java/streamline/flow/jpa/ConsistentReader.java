package streamline.flow.jpa;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.Lock;

import jakarta.persistence.EntityManager;

import streamline.api.flow.FlowDefinition;

/** Reads flows as of one committed version, without a transaction around the statements. */
final class ConsistentReader {

    /** The store's write lock: the last attempt holds this store's saves off. */
    private final Lock writeLock;

    ConsistentReader(Lock writeLock) {
        this.writeLock = writeLock;
    }

    /**
     * Reads one flow with its processors and triggers as of one committed version. The database
     * reads at "read committed", so the rows may come from two saves. Every save stamps all of a
     * flow's rows with a stamp no other save uses and counts its processors and triggers on the
     * flow's row: child rows that all carry the flow row's stamp, as many as it counts, are exactly
     * that version's. Otherwise a save came between the statements, and the read is repeated. A
     * version without processors or triggers needs no statement for them.
     *
     * @return null if the flow is not stored
     */
    FlowDefinition read(EntityManager em, UUID flowId) {
        String id = flowId.toString();
        for (int attempt = 1; attempt <= 3; attempt++) {
            StoredRows rows = StoredRows.read(em, id);
            if (rows == null) {
                return null;
            }
            if (rows.oneVersion()) {
                return rows.definition();
            }
        }
        // saves keep coming between the statements, or the rows disagree: once more with this store's saves held off
        writeLock.lock();
        try {
            StoredRows rows = StoredRows.read(em, id);
            if (rows == null) {
                return null;
            }
            if (rows.oneVersion()) {
                return rows.definition();
            }
            throw new IllegalStateException("flow " + flowId + " is stored inconsistently: " + rows.disagreement()
                    + " (was the database changed by something else than the flow store?)");
        } finally {
            writeLock.unlock();
        }
    }

    /** One look at a flow's rows; they may be of two versions. */
    private record StoredRows(FlowEntity flow, List<ProcessorEntity> processors, List<TriggerEntity> triggers) {

        /** @return null if the flow is not stored */
        static StoredRows read(EntityManager em, String id) {
            em.clear();
            FlowEntity flow = em.find(FlowEntity.class, id);
            if (flow == null) {
                return null;
            }
            return new StoredRows(flow, flow.processorCount == 0 ? List.of()
                    : em.createNamedQuery("processorsOfFlow", ProcessorEntity.class).setParameter("flow", id).getResultList(),
                    flow.triggerCount == 0 ? List.of()
                    : em.createNamedQuery("triggersOfFlow", TriggerEntity.class).setParameter("flow", id).getResultList());
        }

        boolean oneVersion() {
            return ConsistentReader.oneVersion(flow, processors, triggers);
        }

        FlowDefinition definition() {
            return FlowRows.toDefinition(flow, processors, triggers);
        }

        String disagreement() {
            long processorsOfVersion = processors.stream().filter(p -> p.flowStamp == flow.lastUpdated).count();
            long triggersOfVersion = triggers.stream().filter(t -> t.flowStamp == flow.lastUpdated).count();
            return "its row counts " + flow.processorCount + " processors and " + flow.triggerCount
                    + " triggers of version " + flow.lastUpdated + ", the tables hold " + processorsOfVersion + " and "
                    + triggersOfVersion + " of that version and " + (processors.size() - processorsOfVersion) + " and "
                    + (triggers.size() - triggersOfVersion) + " of others";
        }
    }

    /** Whether the rows are all of the flow row's version, and all of them. */
    static boolean oneVersion(FlowEntity flow, List<ProcessorEntity> processors, List<TriggerEntity> triggers) {
        if (processors.size() != flow.processorCount || triggers.size() != flow.triggerCount) {
            return false;
        }
        for (ProcessorEntity p : processors) {
            if (p.flowStamp != flow.lastUpdated) {
                return false;
            }
        }
        for (TriggerEntity t : triggers) {
            if (t.flowStamp != flow.lastUpdated) {
                return false;
            }
        }
        return true;
    }
}
