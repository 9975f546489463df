package streamline.torture;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The outside world one flow's trigger reads, as a queue would be: items come in, stay until acknowledged, and
 * remember every session they were acknowledged for. Lives outside the engine, so it survives its crashes; the
 * acknowledgements of a dead generation do not reach it.
 */
final class Source {

    final String flow;
    private final Map<String, Item> items = new LinkedHashMap<>();
    private final Set<String> unacknowledged = new LinkedHashSet<>();
    /** For each mark, the sessions whose end was told (to any instance of its trigger), with their error (empty: succeeded). */
    private final Map<String, Map<UUID, String>> ended = new LinkedHashMap<>();
    /** Every session an instance was told was started for a mark of this source. */
    private final Map<UUID, String> started = new LinkedHashMap<>();
    private final Set<String> endErrorsThrown = new LinkedHashSet<>();
    /** For each mark, what its trigger instances emitted, were answered and were told, in order (for a report). */
    private final Map<String, List<String>> told = new LinkedHashMap<>();

    /** While set, the next trigger call waits here (after counting down {@link #callHeld}) before choosing its items. */
    private volatile CountDownLatch release;
    private volatile CountDownLatch callHeld;

    Source(String flow) {
        this.flow = flow;
    }

    synchronized void add(Item item) {
        items.put(item.mark(), item);
        unacknowledged.add(item.mark());
    }

    synchronized Item item(String mark) {
        return items.get(mark);
    }

    synchronized List<Item> items() {
        return new ArrayList<>(items.values());
    }

    /** Unacknowledged items not in {@code exclude}, oldest first, at most {@code max}. */
    synchronized List<Item> pending(Set<String> exclude, int max) {
        List<Item> pending = new ArrayList<>();
        for (String mark : unacknowledged) {
            if (pending.size() >= max) {
                break;
            }
            if (!exclude.contains(mark)) {
                pending.add(items.get(mark));
            }
        }
        return pending;
    }

    synchronized int unacknowledgedCount() {
        return unacknowledged.size();
    }

    synchronized Set<String> unacknowledged() {
        return new LinkedHashSet<>(unacknowledged);
    }

    synchronized void started(UUID session, String mark) {
        started.put(session, mark);
    }

    synchronized Map<UUID, String> startedSessions() {
        return new LinkedHashMap<>(started);
    }

    /** A session's end was told: the item is acknowledged. */
    synchronized void acknowledge(String mark, UUID session, String error) {
        ended.computeIfAbsent(mark, m -> new LinkedHashMap<>()).put(session, error);
        unacknowledged.remove(mark);
    }

    /** Notes what happened to a mark between its trigger instances and the engine (for a report). */
    synchronized void note(String mark, String event) {
        told.computeIfAbsent(mark, m -> new ArrayList<>()).add(event);
    }

    /** What happened to a mark, in order, as {@link #note} was told. */
    synchronized List<String> notes(String mark) {
        return List.copyOf(told.getOrDefault(mark, List.of()));
    }

    synchronized Map<String, Map<UUID, String>> ends() {
        Map<String, Map<UUID, String>> copy = new LinkedHashMap<>();
        ended.forEach((mark, sessions) -> copy.put(mark, new LinkedHashMap<>(sessions)));
        return copy;
    }

    /** Whether {@code sessionEnded} should throw for this item now (only the first time). */
    synchronized boolean throwAtEnd(String mark) {
        Item item = items.get(mark);
        return item != null && item.endError() && endErrorsThrown.add(mark);
    }

    /** Makes the next trigger call wait until {@link #releaseCall()}. */
    void holdNextCall() {
        release = new CountDownLatch(1);
        callHeld = new CountDownLatch(1);
    }

    boolean awaitCallHeld(long millis) throws InterruptedException {
        CountDownLatch held = callHeld;
        return held != null && held.await(millis, TimeUnit.MILLISECONDS);
    }

    void releaseCall() {
        CountDownLatch latch = release;
        release = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Called at the start of every trigger call: waits while the schedule holds it. */
    void maybeHold() throws InterruptedException {
        CountDownLatch latch = release;
        CountDownLatch held = callHeld;
        if (latch != null && held != null && held.getCount() > 0) {
            held.countDown();
            latch.await(10, TimeUnit.SECONDS);
        }
    }
}
