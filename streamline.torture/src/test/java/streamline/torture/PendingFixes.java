package streamline.torture;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The features whose schedules still find an open bug, each with the finding it reproduces. The build's seeds run
 * without them; {@link FindingsTest} runs the seed that found each once its entry is removed here. Remove an
 * entry when the fix is merged, and the build checks it from then on.
 */
final class PendingFixes {

    static final Map<Feature, String> FINDINGS;

    static {
        Map<Feature, String> findings = new EnumMap<>(Feature.class);
        findings.put(Feature.EMPTY_CONTENT, "issue 25, finding 1: two empty items of one batch share a claim; "
                + "the first session to end deletes the container the other still reads");
        findings.put(Feature.END_ERRORS, "issue 25, finding 5: an Error from a trigger's sessionEnded on the committer "
                + "thread stops every later completion");
        findings.put(Feature.LISTENER_ERRORS, "issue 25, finding 5: an Error from a session listener stops every later "
                + "completion");
        findings.put(Feature.FLOW_CHANGE_DURING_CALL, "issue 25, findings 3 and 4: a trigger call running while its flow is "
                + "re-activated starts sessions on a closed run that park forever");
        findings.put(Feature.INTERRUPT_AT_WRITE, "issue 25, finding 10: an interrupt during the write of a batch's starts: "
                + "the append throws, the batch is answered not started and its container deleted, but the records are in "
                + "the file and come back after a restart, their content missing (FindingsTest.interruptDuringWrite)");
        findings.put(Feature.WRITE_FAULTS, "with crashes and power losses, 2 of 96 fresh seeds: a session whose end never "
                + "reaches the log although its trigger was told (seed 4012788685734656184), and a batch's container "
                + "missing after a crash (seed 8968536104363550355); each alone with the base features was green on seeds 1-6");
        findings.put(Feature.POWER_LOSS, "with the green features, seed 3: two items acknowledged for two different sessions "
                + "each after power losses (exactly once broken; not diagnosed yet)");
        findings.put(Feature.INTERVAL_SYNC, "issue 25, finding 10 (flush under interval): a failed or lost buffer flush "
                + "drops acknowledged appends, while the content of the sessions they ended or advanced is already deleted: "
                + "after a restart or a crash their steps find their input missing and fail");
        findings.put(Feature.FLOW_GRAPH_CHANGES, "recovery resumes a session on the flow's current definition, not the "
                + "one it started with: a session whose step is gone fails, and a changed graph can make the tracker "
                + "throw on a worker thread (step already scheduled), which dies");
        findings.put(Feature.SESSION_LOG_CHECK, "issue 25, finding 6: a worker logs 'could not log the end of session X' "
                + "under the thread context of another session Y");
        findings.put(Feature.FORCE_FAULTS, "issue 25 (the first 'less certain' item): a batch start whose write landed but "
                + "whose fsync failed throws, so the engine deletes the batch's content container; the records are in the "
                + "file, and after the restart the recovered sessions find their container missing and fail");
        FINDINGS = Collections.unmodifiableMap(findings);
    }

    /**
     * Open bugs that green features still meet now and then (their timing is the OS's), by the text of the violation
     * they cause first: a run whose <em>first</em> violation contains one of these is reported as meeting that known bug
     * and does not fail the build. Remove an entry when its fix is merged.
     */
    static final Map<String, String> KNOWN_SYMPTOMS = Map.of(
            "was already scheduled", "a step completed twice: the tracker throws on a worker, which dies, and the session stays "
                    + "in progress (not in issue 25; seeds 4 with FLOW_GRAPH_CHANGES and 6 with the green features, after "
                    + "retries and restarts)");

    /** The known bug a run's first violation shows, or null. */
    static String knownSymptom(java.util.List<String> violations) {
        if (violations.isEmpty()) {
            return null;
        }
        for (Map.Entry<String, String> symptom : KNOWN_SYMPTOMS.entrySet()) {
            if (violations.get(0).contains(symptom.getKey())) {
                return symptom.getValue();
            }
        }
        return null;
    }

    static final Set<Feature> FEATURES = Collections.unmodifiableSet(FINDINGS.isEmpty()
            ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(FINDINGS.keySet()));

    private PendingFixes() {
    }

    /** Every feature whose bugs are fixed. */
    static Set<Feature> green() {
        Set<Feature> green = EnumSet.allOf(Feature.class);
        green.removeAll(FEATURES);
        return green;
    }
}
