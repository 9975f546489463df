package streamline.runtime.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import streamline.api.engine.WaitingSessions;

/** Counts the sessions whose steps wait for the world to be ready, per flow, processor and reason. */
final class WaitingCount {

    private record Key(UUID flowId, String flowName, String processorName, String reason) {
    }

    private WaitingCount() {
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    static List<WaitingSessions> of(Collection<SessionRun> sessions) {
        Map<Key, int[]> counts = new LinkedHashMap<>();
        Map<Key, Instant> oldest = new LinkedHashMap<>();
        for (SessionRun session : sessions) {
            FlowRun run = session.run;
            if (session.ended() || run == null) {
                continue;
            }
            // a session with several branches waiting for one reason counts once for it
            Map<Key, Instant> ofSession = new LinkedHashMap<>();
            for (SessionRun.Waiting waiting : session.waiting.values()) {
                ofSession.merge(new Key(session.flowId, run.name(), waiting.processorName(), waiting.reason()), waiting.since(),
                        WaitingCount::earlier);
            }
            ofSession.forEach((key, since) -> {
                counts.computeIfAbsent(key, k -> new int[1])[0]++;
                oldest.merge(key, since, WaitingCount::earlier);
            });
        }
        List<WaitingSessions> result = new ArrayList<>();
        counts.forEach((key, count) -> result.add(new WaitingSessions(key.flowId(), key.flowName(), key.processorName(),
                key.reason(), count[0], oldest.get(key))));
        result.sort(Comparator.comparingInt(WaitingSessions::sessions).reversed());
        return result;
    }
}
