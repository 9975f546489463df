package streamline.torture;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * The fresh seeds that found a bug (in a build or a soak), each kept once the bug was fixed: run with the green features,
 * as they were found, in a JVM of their own beside {@link TortureTest} and {@link FindingsTest}. See docs/testing.md.
 */
class FoundSeedsTest {

    /** A fresh seed that failed and was fixed is added here. */
    static final long[] SEEDS = {2971250671932323521L, 6607709992887233773L, 5392042998231487640L, 6509728136501502749L,
            1154310833088386954L, 312528119298496505L, 8814708799614593281L};

    @Test
    @DisabledIfSystemProperty(named = "torture.seed", matches = ".+")
    @DisabledIfSystemProperty(named = "torture.minutes", matches = ".+")
    void foundSeeds() throws Exception {
        List<String> failures = new ArrayList<>();
        for (long seed : SEEDS) {
            TortureTest.check(seed, Torture.features(), failures);
        }
        TortureTest.assertNoFailures(failures);
    }
}
