package streamline.torture;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * The seeds that found the review's findings on the code before their fixes, each run with the base features plus the
 * one that finds it. A reproduction is skipped while its feature is in {@link PendingFixes}; once the fix is merged
 * and the entry removed there, the build runs it and it must pass. docs/testing.md lists what each one reported.
 */
class FindingsTest {

    /** Features every reproduction runs with: those found green on the code before the fixes. */
    static final Set<Feature> BASE = EnumSet.of(Feature.BASIC_ITEMS, Feature.LARGE_CONTENT, Feature.REPEATED_MARKS,
            Feature.STEP_THROWS, Feature.STEP_ERRORS, Feature.STEP_HANGS, Feature.DOOMED_ITEMS, Feature.FLOW_CHANGES,
            Feature.RESTARTS);

    /**
     * @param pending the feature in {@link PendingFixes} whose finding this seed shows
     * @param seed the seed that found it
     * @param also further features it ran with, besides {@link #BASE} and {@code pending}
     */
    record Reproduction(Feature pending, long seed, Feature... also) {
        Set<Feature> features() {
            Set<Feature> features = EnumSet.copyOf(BASE);
            features.add(pending);
            features.addAll(List.of(also));
            return features;
        }
    }

    /**
     * The green features when the JPA log, the switches, the flow folder and the cron trigger joined (every feature but
     * those then pending and {@link Feature#LOG_AWAY}): the seeds below found their findings with these.
     */
    static final Feature[] SWITCHES_GREEN = EnumSet.complementOf(EnumSet.of(Feature.INTERVAL_SYNC, Feature.FLOW_GRAPH_CHANGES,
            Feature.POWER_LOSS, Feature.WRITE_FAULTS, Feature.FORCE_FAULTS, Feature.LOG_AWAY)).toArray(Feature[]::new);

    static final List<Reproduction> REPRODUCTIONS = List.of(
            new Reproduction(Feature.EMPTY_CONTENT, 1),
            new Reproduction(Feature.END_ERRORS, 1),
            new Reproduction(Feature.LISTENER_ERRORS, 1),
            new Reproduction(Feature.FLOW_CHANGE_DURING_CALL, 2),
            new Reproduction(Feature.SESSION_LOG_CHECK, 3, Feature.POWER_LOSS),
            new Reproduction(Feature.FORCE_FAULTS, 2),
            new Reproduction(Feature.INTERVAL_SYNC, 5, Feature.WRITE_FAULTS),
            new Reproduction(Feature.INTERVAL_SYNC, 5, Feature.CRASHES),
            new Reproduction(Feature.FLOW_GRAPH_CHANGES, 2),
            new Reproduction(Feature.FLOW_GRAPH_CHANGES, 4),
            new Reproduction(Feature.POWER_LOSS, 3, Feature.CRASHES, Feature.PROVIDER_CHURN),
            new Reproduction(Feature.WRITE_FAULTS, 4012788685734656184L, Feature.CRASHES, Feature.POWER_LOSS, Feature.PROVIDER_CHURN),
            new Reproduction(Feature.WRITE_FAULTS, 8968536104363550355L, Feature.CRASHES, Feature.POWER_LOSS, Feature.PROVIDER_CHURN),
            new Reproduction(Feature.LOG_AWAY, 1, SWITCHES_GREEN),
            new Reproduction(Feature.FLOW_STORE_SWITCHES, 1438046034525358941L, SWITCHES_GREEN),
            new Reproduction(Feature.FLOW_STORE_SWITCHES, 4903245243759496293L, SWITCHES_GREEN));

    /**
     * Scripted in the same harness: an interrupt arrives during the write of a trigger's batch
     * (the next write after the fault is armed on an idle engine), then the engine restarts. The write completed,
     * so its records must not come back as sessions whose items were answered not started.
     */
    static Schedule interruptDuringBatchStart() {
        List<Schedule.Op> ops = new java.util.ArrayList<>();
        for (int round = 0; round < 6; round++) {
            ops.add(new Schedule.Op(Schedule.Kind.AWAIT_PROGRESS, 0, 100, "", 0));
            ops.add(new Schedule.Op(Schedule.Kind.FAULT, 0, 0, Disk.Fault.WRITE_INTERRUPTED.name(), 0));
            ops.add(new Schedule.Op(Schedule.Kind.EMIT, 0, 4, "", round));
            ops.add(new Schedule.Op(Schedule.Kind.AWAIT_PROGRESS, 0, 4, "", 0));
            ops.add(new Schedule.Op(Schedule.Kind.RESTART, 0, 0, "", 0));
        }
        return new Schedule(-10, new Schedule.Config(1, "always"), ops);
    }

    @org.junit.jupiter.api.Test
    @DisabledIfSystemProperty(named = "torture.seed", matches = ".+")
    @DisabledIfSystemProperty(named = "torture.minutes", matches = ".+")
    void interruptDuringWrite() throws Exception {
        assumeFalse(PendingFixes.FEATURES.contains(Feature.INTERRUPT_AT_WRITE),
                () -> "pending: " + PendingFixes.FINDINGS.get(Feature.INTERRUPT_AT_WRITE));
        Set<Feature> features = EnumSet.of(Feature.BASIC_ITEMS, Feature.INTERRUPT_AT_WRITE, Feature.RESTARTS);
        TortureRun.Result result = TortureRun.run(interruptDuringBatchStart(), features,
                Torture.ROOT.resolve("scripted-interrupt-" + System.nanoTime()).toAbsolutePath());
        if (result.failed()) {
            fail("the scripted interrupt during a write fails:\n" + result.report());
        }
    }

    @TestFactory
    @DisabledIfSystemProperty(named = "torture.seed", matches = ".+")
    @DisabledIfSystemProperty(named = "torture.minutes", matches = ".+")
    Stream<DynamicTest> reproductions() {
        return REPRODUCTIONS.stream().map(reproduction -> DynamicTest.dynamicTest(reproduction.pending() + " seed "
                + reproduction.seed(), () -> {
                    Set<Feature> pending = EnumSet.noneOf(Feature.class);
                    pending.addAll(reproduction.features());
                    pending.retainAll(PendingFixes.FEATURES);
                    assumeFalse(!pending.isEmpty(), () -> "pending: " + pending.stream().map(PendingFixes.FINDINGS::get).toList());
                    TortureRun.Result result = Torture.runSeed(reproduction.seed(), reproduction.features(), Torture.DEFAULT_LENGTH);
                    String known = PendingFixes.knownSymptom(result.violations());
                    assumeFalse(known != null, () -> "met a known open bug (PendingFixes.KNOWN_SYMPTOMS): " + known);
                    if (result.failed()) {
                        fail("seed " + reproduction.seed() + " with " + reproduction.features() + " still fails:\n  "
                                + String.join("\n  ", result.violations()));
                    }
                }));
    }
}
