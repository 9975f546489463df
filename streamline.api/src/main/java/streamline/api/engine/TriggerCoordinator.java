package streamline.api.engine;

import java.util.UUID;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides which node of a cluster runs a trigger flagged single-node. Optional: register one as a
 * service (for example backed by a database lock or a consensus service); without one, the engine
 * runs every single-node trigger locally, as on a one-node cluster.
 */
@ConsumerType
public interface TriggerCoordinator {

    /**
     * Whether this node may call the trigger now. Asked before each call, so leadership may move
     * between calls; must return quickly.
     */
    boolean mayRun(UUID flowId, UUID triggerId);
}
