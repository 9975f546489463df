package streamline.torture;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The torture test in the build: the fixed seeds, then a few fresh ones, each a schedule of {@link Torture#length()}
 * operations over the features that are green ({@link PendingFixes}). {@code -Dtorture.seed=N} replays one seed,
 * {@code -Dtorture.minutes=M} runs fresh seeds for that long. See docs/testing.md.
 */
class TortureTest {

    /** Seeds every build runs; the fresh seeds that failed and were fixed are {@link FoundSeedsTest}'s. */
    static final long[] FIXED_SEEDS = {1, 2, 3, 4, 5, 6};
    /** Fresh seeds per build, besides the fixed ones ({@code -Dtorture.fresh=N} to change). */
    static final int FRESH_SEEDS = Integer.getInteger("torture.fresh", 2);

    @Test
    @DisabledIfSystemProperty(named = "torture.seed", matches = ".+")
    @DisabledIfSystemProperty(named = "torture.minutes", matches = ".+")
    void fixedSeeds() throws Exception {
        List<String> failures = new ArrayList<>();
        for (long seed : FIXED_SEEDS) {
            check(seed, Torture.features(), failures);
        }
        assertNoFailures(failures);
    }

    /**
     * Fresh seeds explore; they do not gate the build, whose verdict must not depend on the draw: a failing one is
     * printed, written to {@code target/torture/fresh-failures.txt} and reported as this test aborted (skipped, with
     * the seeds and their violations as the reason), for the developer to replay and add to {@link FoundSeedsTest#SEEDS}, which
     * gate it. {@code -Dtorture.freshGate=true} makes them fail the build instead.
     */
    @Test
    @DisabledIfSystemProperty(named = "torture.seed", matches = ".+")
    @DisabledIfSystemProperty(named = "torture.minutes", matches = ".+")
    void freshSeeds() throws Exception {
        SplittableRandom random = new SplittableRandom();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < FRESH_SEEDS; i++) {
            long seed = random.nextLong() >>> 1;
            System.out.println("fresh torture seed " + seed);
            check(seed, Torture.features(), failures);
        }
        if (Boolean.getBoolean("torture.freshGate")) {
            assertNoFailures(failures);
            return;
        }
        if (!failures.isEmpty()) {
            Files.createDirectories(Torture.ROOT);
            Files.writeString(Torture.ROOT.resolve("fresh-failures.txt"), String.join("\n\n", failures) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        assumeTrue(failures.isEmpty(), () -> "FRESH TORTURE SEEDS FAILED (replay each, add it to FoundSeedsTest.SEEDS once "
                + "fixed):\n\n" + String.join("\n\n", failures));
    }

    @Test
    @EnabledIfSystemProperty(named = "torture.seed", matches = ".+")
    void replay() throws Exception {
        List<String> failures = new ArrayList<>();
        // a race needs a few replays to show: -Dtorture.repeat=N replays until the first failure, at most N times
        int repeat = Integer.getInteger("torture.repeat", 1);
        for (int i = 0; i < repeat && failures.isEmpty(); i++) {
            check(Long.parseLong(System.getProperty("torture.seed").trim()), Torture.features(), failures);
        }
        assertNoFailures(failures);
    }

    @Test
    @EnabledIfSystemProperty(named = "torture.minutes", matches = ".+")
    void soak() throws Exception {
        Duration budget = Duration.ofMinutes(Long.parseLong(System.getProperty("torture.minutes").trim()));
        long end = System.nanoTime() + budget.toNanos();
        SplittableRandom random = new SplittableRandom();
        List<String> failures = new ArrayList<>();
        List<Long> explored = new ArrayList<>();
        while (System.nanoTime() < end) {
            long seed = random.nextLong() >>> 1;
            explored.add(seed);
            check(seed, Torture.features(), failures);
        }
        Files.createDirectories(Torture.ROOT);
        Files.writeString(Torture.ROOT.resolve("soak.txt"), explored.size() + " seeds in " + budget.toMinutes() + " min, features "
                + Torture.features() + ", " + failures.size() + " failed\n" + String.join("\n", failures) + "\nseeds: " + explored + "\n");
        assertNoFailures(failures);
    }

    static void check(long seed, Set<Feature> features, List<String> failures) throws Exception {
        long started = System.nanoTime();
        TortureRun.Result result = Torture.runSeed(seed, features, Torture.length());
        System.out.println("torture seed " + seed + ": " + (result.failed() ? "FAILED" : "ok") + " (" + result.summary() + ") in "
                + (System.nanoTime() - started) / 1_000_000 + " ms");
        String known = PendingFixes.knownSymptom(result.violations());
        if (known != null) {
            System.out.println("seed " + seed + " met a known open bug (PendingFixes.KNOWN_SYMPTOMS): " + known + "\n  "
                    + String.join("\n  ", result.violations()));
            return;
        }
        if (result.failed()) {
            String summary = "seed " + seed + " fails with its first " + result.schedule().ops().size()
                    + " operations (replay: -Dtorture.seed=" + seed + " -Dtorture.length=" + result.schedule().ops().size()
                    + "; report " + Torture.ROOT.resolve("seed-" + seed + ".txt").toAbsolutePath() + "):\n  "
                    + String.join("\n  ", result.violations());
            System.out.println(summary);
            failures.add(summary);
        }
    }

    static void assertNoFailures(List<String> failures) {
        if (!failures.isEmpty()) {
            fail(String.join("\n\n", failures));
        }
        assertTrue(failures.isEmpty());
    }
}
