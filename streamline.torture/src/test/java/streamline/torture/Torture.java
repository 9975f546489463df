package streamline.torture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs seeds: each generates its schedule, runs it, and, if it fails, finds the shortest failing prefix by halving
 * and writes the report (seed, prefix, violations, schedule, threads) under {@code target/torture}.
 */
final class Torture {

    /** Operations in a schedule unless {@code -Dtorture.length} says otherwise. */
    static final int DEFAULT_LENGTH = 60;
    static final Path ROOT = Path.of("target", "torture");

    private Torture() {
    }

    static int length() {
        return Integer.getInteger("torture.length", DEFAULT_LENGTH);
    }

    /**
     * The features of a run: {@code -Dtorture.features} as a comma-separated list of names, {@code all}, or
     * {@code green} (the default: all but {@link PendingFixes}), read left to right: a name (or {@code +name}) adds a
     * feature, {@code -name} removes one ({@code green,-POWER_LOSS}).
     */
    static Set<Feature> features() {
        String text = System.getProperty("torture.features", "green").trim();
        Set<Feature> features = EnumSet.noneOf(Feature.class);
        for (String name : text.split(",")) {
            name = name.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (name.equals("all")) {
                features.addAll(EnumSet.allOf(Feature.class));
            } else if (name.equals("green")) {
                features.addAll(PendingFixes.green());
            } else if (name.startsWith("-")) {
                features.remove(Feature.valueOf(name.substring(1).toUpperCase(Locale.ROOT)));
            } else {
                features.add(Feature.valueOf(name.replaceFirst("^\\+", "").toUpperCase(Locale.ROOT)));
            }
        }
        features.add(Feature.BASIC_ITEMS);
        return features;
    }

    /** Runs one seed; if it fails, shrinks it and returns the shortest failing prefix's result. */
    static TortureRun.Result runSeed(long seed, Set<Feature> features, int length) throws Exception {
        Schedule schedule = Schedule.generate(seed, features, length);
        TortureRun.Result result = runIn(schedule, features);
        if (Boolean.getBoolean("torture.report")) {
            // what a passing run did, operation by operation (with the ones that took a second or more)
            Files.createDirectories(ROOT);
            Files.writeString(ROOT.resolve("seed-" + seed + "-run.txt"), "features " + features + "\n" + result.report());
        }
        if (!result.failed() || PendingFixes.knownSymptom(result.violations()) != null) {
            return result;
        }
        TortureRun.Result shortest = Boolean.parseBoolean(System.getProperty("torture.shrink", "true")) ? shrink(result, features) : result;
        Path report = ROOT.resolve("seed-" + seed + ".txt");
        Files.createDirectories(ROOT);
        Files.writeString(report, "features " + features + "\nfull schedule's violations:\n  "
                + String.join("\n  ", result.violations()) + "\n\nshortest failing prefix:\n" + shortest.report());
        return shortest;
    }

    /**
     * Halves the schedule while a prefix still fails (timing is the OS's, so a prefix may pass by luck: the result
     * is the shortest prefix seen failing, not a proof that a shorter one cannot).
     */
    static TortureRun.Result shrink(TortureRun.Result failing, Set<Feature> features) throws Exception {
        TortureRun.Result shortest = failing;
        int passes = 0;
        int failed = failing.schedule().ops().size();
        while (failed > 1) {
            int half = (passes + failed) / 2;
            if (half == passes) {
                break;
            }
            TortureRun.Result attempt = runIn(failing.schedule().prefix(half), features);
            if (attempt.failed()) {
                shortest = attempt;
                failed = half;
            } else {
                passes = half;
            }
        }
        return shortest;
    }

    private static TortureRun.Result runIn(Schedule schedule, Set<Feature> features) throws Exception {
        Path directory = ROOT.resolve("run-" + schedule.seed() + "-" + schedule.ops().size() + "-" + System.nanoTime());
        TortureRun.Result result = TortureRun.run(schedule, features, directory.toAbsolutePath());
        if (!result.failed()) {
            deleteRecursively(directory);
        }
        return result;
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // an abandoned generation may still write in its folder: leave the rest for mvn clean
        }
    }
}
