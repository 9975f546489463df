package streamline.processors.kafka;

import org.apache.kafka.common.errors.RetriableException;

/**
 * Tells the broker not being ready (not reachable, no leader for a partition, too few in-sync replicas, a
 * request that timed out) from a failure of the step's own record or configuration. Kafka marks the first kind
 * itself: every such error is a {@link RetriableException} ({@code TimeoutException}, {@code NetworkException},
 * {@code NotEnoughReplicasException}, {@code LeaderNotAvailableException}, {@code NotLeaderOrFollowerException},
 * …), and a refused connection shows as a {@code TimeoutException} once {@code max.block.ms} or
 * {@code delivery.timeout.ms} is spent; a record too large, a topic not allowed or badly named is not retriable.
 */
final class BrokerNotReady {

    private BrokerNotReady() {
    }

    /** Whether {@code failure}, or a cause of it, is one Kafka calls retriable. */
    static boolean isNotReady(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }
}
