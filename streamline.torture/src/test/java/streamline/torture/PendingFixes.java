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
        FINDINGS = Collections.unmodifiableMap(findings);
    }

    /**
     * Open bugs that green features still meet now and then (their timing is the OS's), by the text of the violation
     * they cause first: a run whose <em>first</em> violation contains one of these is reported as meeting that known bug
     * and does not fail the build. Remove an entry when its fix is merged.
     */
    static final Map<String, String> KNOWN_SYMPTOMS = Map.of();

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
