package streamline.api.engine;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Sessions of one flow that wait, parked, for the same reason: a step said the world is not ready (a full
 * disk, an unreachable server), or its processor type has no provider. They spend no retry while they wait, and count as in progress for their
 * flow's back-pressure.
 *
 * @param flowId the flow
 * @param flowName its name
 * @param processorName the processor whose step waits
 * @param reason what it waits for, as the processor said it
 * @param sessions how many sessions wait so
 * @param since when the longest of these waits began (in this run of the engine)
 * @since 1.4
 */
public record WaitingSessions(UUID flowId, String flowName, String processorName, String reason, int sessions, Instant since) {

    public WaitingSessions {
        Objects.requireNonNull(flowId, "flowId");
        Objects.requireNonNull(flowName, "flowName");
        Objects.requireNonNull(processorName, "processorName");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
    }
}
