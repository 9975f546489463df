package streamline.torture;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The features whose schedules still find an open bug, each with the finding it reproduces. The build's seeds run
 * without them; {@link FindingsTest} runs each with its scripted schedule once its entry is removed here. Remove an
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
        findings.put(Feature.INTERRUPT_AT_WRITE, "issue 25, finding 10: an interrupt during a write makes the failed "
                + "append durable and fails later appends");
        FINDINGS = Collections.unmodifiableMap(findings);
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
