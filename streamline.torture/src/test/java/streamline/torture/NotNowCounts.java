package streamline.torture;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many times each item's step has run on each attempt, for plans that say "not now" the first few times: kept by
 * the world outside the engine, so a crash or a restart does not reset what the world is ready for.
 */
final class NotNowCounts {

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    /** Counts a run of {@code processor} on {@code attempt} for the item {@code mark}; returns the count, from 1. */
    int call(String mark, String processor, int attempt) {
        return calls.computeIfAbsent(mark + "/" + processor + "@" + attempt, key -> new AtomicInteger()).incrementAndGet();
    }
}
