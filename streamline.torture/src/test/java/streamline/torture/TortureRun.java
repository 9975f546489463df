package streamline.torture;

import streamline.testkit.Eventually;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;

/**
 * One run: a schedule carried out against a new world, then the settling with no faults, then the invariants.
 * Whatever the engine does wrong is collected as violations, never thrown, so that the caller can shrink.
 */
final class TortureRun {

    /** How long one operation may take (a stop that deadlocks shows here). */
    static final Duration OPERATION_LIMIT = Duration.ofSeconds(30);
    /** How long the engine has, with no faults, to finish everything after the schedule. */
    static final Duration SETTLE_LIMIT = Duration.ofSeconds(20);

    record Result(Schedule schedule, List<String> violations, List<String> details, List<String> history, String threadDump,
            String summary) {
        boolean failed() {
            return !violations.isEmpty();
        }

        String report() {
            StringBuilder text = new StringBuilder();
            text.append("seed ").append(schedule.seed()).append(", ").append(schedule.ops().size()).append(" operations, ")
                    .append(schedule.config()).append(", ").append(summary).append('\n');
            violations.forEach(v -> text.append("VIOLATION: ").append(v).append('\n'));
            if (!details.isEmpty()) {
                text.append("what the items of the violations went through (their trigger instances' calls and ends, then"
                        + " the engine's lines about their sessions):\n");
                details.forEach(d -> text.append(d).append('\n'));
            }
            text.append("schedule:\n");
            history.forEach(h -> text.append("  ").append(h).append('\n'));
            if (!threadDump.isEmpty()) {
                text.append("threads:\n").append(threadDump);
            }
            return text.toString();
        }
    }

    private TortureRun() {
    }

    static Result run(Schedule schedule, Set<Feature> features, Path directory) throws Exception {
        World world = new World(directory, schedule.config(), features);
        world.engineLines.attach();
        SessionLogCheck logCheck = features.contains(Feature.SESSION_LOG_CHECK) ? SessionLogCheck.attach(world, world.sessionIds) : null;
        ExecutorService operations = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "torture-schedule");
            thread.setDaemon(true);
            return thread;
        });
        String threadDump = "";
        boolean stuck = false;
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        // no engine thread dies of what a plug-in or a fault throws
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (thread.getName().startsWith("streamline")) {
                world.violation("engine thread " + thread.getName() + " died of " + e + " at " + (e.getStackTrace().length > 0
                        ? e.getStackTrace()[0] : "?"));
            }
        });
        // where a run's time goes, for the report: each kind of operation, the start, the settling and the stop
        Map<String, Long> millis = new java.util.TreeMap<>();
        long runBegan = System.nanoTime();
        try {
            long startBegan = System.nanoTime();
            world.start();
            millis.merge("start", (System.nanoTime() - startBegan) / 1_000_000, Long::sum);
            Map<String, Integer> numbers = new HashMap<>();
            boolean providerGone = false;
            for (int i = 0; i < schedule.ops().size() && !stuck; i++) {
                Schedule.Op op = schedule.ops().get(i);
                String flow = "t" + op.flow();
                world.history.add(i + ": " + op);
                world.operation = i;
                if (op.kind() == Schedule.Kind.PROVIDER_GONE) {
                    providerGone = true;
                } else if (op.kind() == Schedule.Kind.PROVIDER_BACK || op.kind() == Schedule.Kind.RESTART
                        || op.kind() == Schedule.Kind.CRASH || op.kind() == Schedule.Kind.POWER_LOSS) {
                    providerGone = false;
                }
                Future<?> done = operations.submit(() -> {
                    try {
                        execute(world, op, flow, numbers, features);
                    } finally {
                        // an interrupt fault fires on the thread that writes: a switch of logs writes the handover on the
                        // operator's thread, which keeps the flag (as it should); the next operation is another call
                        if (Thread.interrupted()) {
                            world.history.add("  (an interrupt fault hit a write made on the schedule's thread: flag cleared)");
                        }
                    }
                    return null;
                });
                long began = System.nanoTime();
                try {
                    done.get(OPERATION_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                    long took = (System.nanoTime() - began) / 1_000_000;
                    millis.merge(op.kind().name(), took, Long::sum);
                    if (took >= 1_000) {
                        world.history.add("  (took " + took + " ms)");
                    }
                } catch (TimeoutException e) {
                    world.violation("operation " + i + " " + op + " did not finish within " + OPERATION_LIMIT.toSeconds() + " s");
                    threadDump = threadDump();
                    stuck = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    world.violation("operation " + i + " " + op + " threw " + e.getCause());
                }
            }
            if (!stuck) {
                if (providerGone) {
                    world.providerBack();
                }
                long settleBegan = System.nanoTime();
                threadDump = settle(world, operations, features);
                millis.merge("settle", (System.nanoTime() - settleBegan) / 1_000_000, Long::sum);
                if (threadDump.isEmpty()) {
                    checkOutcomes(world);
                }
            }
        } finally {
            if (!stuck) {
                long closeBegan = System.nanoTime();
                world.close();
                millis.merge("close", (System.nanoTime() - closeBegan) / 1_000_000, Long::sum);
            }
            operations.shutdownNow();
            if (logCheck != null) {
                logCheck.detach();
            }
            world.engineLines.detach();
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        world.history.add("time: " + (System.nanoTime() - runBegan) / 1_000_000 + " ms, by part (ms): " + millis);
        String summary = world.itemCount() + " items, " + world.generationCount() + " engine generations, "
                + world.disk.faultsFired() + " faults fired, " + world.sessionIds.size() + " sessions started";
        return new Result(schedule, world.violations(), world.details(), List.copyOf(world.history), threadDump, summary);
    }

    private static void execute(World world, Schedule.Op op, String flow, Map<String, Integer> numbers,
            Set<Feature> features) throws Exception {
        switch (op.kind()) {
            case EMIT -> {
                int first = numbers.getOrDefault(flow, 0);
                numbers.put(flow, first + op.number());
                List<Item> items = Schedule.items(op, flow, first, features);
                world.emit(flow, items);
                items.stream().filter(item -> item.content() != null && item.content().length == 0 || !item.plan().isEmpty()
                        || item.repeated() || item.endError() || item.listenerError())
                        .forEach(item -> world.history.add("     " + item.describe()));
            }
            case PAUSE -> {
                // lets the engine run for a while; ends early once it acknowledged something
                int before = world.acknowledged();
                Eventually.within(Duration.ofMillis(op.number()), () -> world.acknowledged() > before);
            }
            case AWAIT_PROGRESS -> {
                int target = world.acknowledged() + op.number();
                Eventually.within(Duration.ofSeconds(2), () -> world.acknowledged() >= target);
            }
            case CHANGE_FLOW -> world.changeFlow(flow, op.number(), refused(op, features));
            case DEACTIVATE -> world.setActive(flow, false);
            case ACTIVATE -> world.setActive(flow, true);
            case CHANGE_DURING_CALL -> world.changeDuringCall(flow, op.number(), false);
            case DEACTIVATE_DURING_CALL -> world.changeDuringCall(flow, op.number(), true);
            case FAULT -> world.fault(Disk.Fault.valueOf(op.detail()), op.number());
            case RESTART -> world.restart(op.detail());
            case CRASH -> world.crash(false, op.detail());
            case POWER_LOSS -> world.crash(true, op.detail());
            case PROVIDER_GONE -> world.providerGone();
            case PROVIDER_BACK -> world.providerBack();
            case SWITCH_LOG -> world.switchLog(op.number(), (int) Math.floorMod(op.random(), 200L));
            case SWITCH_FLOW_STORE -> world.switchFlowStore();
            case FLOW_FILE -> world.writeFlowFile(flow, op.number() == 1, op.random());
        }
    }

    /**
     * No more faults; every flow active again; a log a failed fsync left refusing appends is reopened by a restart
     * (its documented behaviour). Then everything must end within {@link #SETTLE_LIMIT}. Returns a thread dump if not.
     */
    /** Whether a change saves a version the engine refuses: a quarter of them with the feature, drawn from the operation's seed. */
    private static boolean refused(Schedule.Op op, Set<Feature> features) {
        return features.contains(Feature.REFUSED_VERSIONS) && new java.util.SplittableRandom(op.random() ^ 0x3C6EF372FE94F82BL).nextInt(4) == 0;
    }

    private static String settle(World world, ExecutorService operations, Set<Feature> features) throws Exception {
        world.operation = -1;
        world.history.add("settle: no faults, every flow active" + (world.logPoisoned ? ", restart (the log refused appends after a failed fsync)" : ""));
        Future<?> prepared = operations.submit(() -> {
            world.disk.disarm();
            if (world.logPoisoned) {
                world.restart();
            }
            world.activateAll();
            if (features.contains(Feature.JPA_LOG)) {
                world.current.log("jpa"); // checked too, whether this process used it or not
            }
            return null;
        });
        try {
            prepared.get(OPERATION_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            world.violation("preparing to settle did not finish within " + OPERATION_LIMIT.toSeconds() + " s");
            return threadDump();
        }
        long began = System.nanoTime();
        // the cheap conditions first: reading a whole log while it is written slows the engine down (the JPA log's reads
        // and writes take one lock)
        Eventually.within(SETTLE_LIMIT, () -> unmet(world, false).isEmpty() && unmet(world, true).isEmpty());
        world.history.add("settled in " + (System.nanoTime() - began) / 1_000_000 + " ms");
        List<String> unmet = unmet(world, true);
        if (unmet.isEmpty()) {
            return "";
        }
        unmet.forEach(what -> world.violation("after settling " + SETTLE_LIMIT.toSeconds() + " s: " + what));
        for (Source source : world.sources().values()) {
            source.unacknowledged().stream().limit(3).forEach(mark -> world.explain(source, mark));
        }
        return threadDump();
    }

    /** What is not yet as it must be once everything settled: each a sentence, empty when all holds. */
    private static List<String> unmet(World world, boolean logsAndFiles) {
        List<String> unmet = new ArrayList<>();
        for (Source source : world.sources().values()) {
            if (source.unacknowledgedCount() > 0) {
                unmet.add("flow " + source.flow + " has " + source.unacknowledgedCount() + " items never acknowledged: "
                        + abbreviate(source.unacknowledged().toString()));
            }
        }
        // every flow is active in the store in use: the engine runs each (or waits for its processors' providers)
        Set<java.util.UUID> running = new java.util.HashSet<>();
        world.current.engine.activeFlows().keySet().forEach(flow -> running.add(flow.id()));
        for (String flow : world.sources().keySet()) {
            if (!running.contains(streamline.api.flow.FlowDefinition.idFromName(flow))) {
                unmet.add("flow " + flow + " is active in the " + world.storeChoice + " flow store but the engine does not run it");
            }
        }
        int inProgress = world.current.engine.sessionsInProgress().size();
        if (inProgress > 0) {
            unmet.add(inProgress + " sessions still in progress: " + abbreviate(world.current.engine.sessionsInProgress().toString()));
        }
        if (!logsAndFiles) {
            return unmet;
        }
        // every log the engine may have written to, in use or not: a session handed over is ended in the log it left
        for (Map.Entry<String, WriteAheadLog> log : world.current.openLogs().entrySet()) {
            try {
                List<LogEntry> live = log.getValue().liveEntries();
                if (!live.isEmpty()) {
                    unmet.add("the " + log.getKey() + " log" + (log.getKey().equals(world.current.logInUse()) ? "" : " (not in use)")
                            + " holds " + live.stream().map(LogEntry::sessionId).distinct().count()
                            + " sessions that never end, e.g. " + live.get(0));
                }
            } catch (Exception e) {
                unmet.add("the " + log.getKey() + " log cannot be read: " + e);
            }
        }
        Path content = world.home().resolve("work").resolve("content");
        try (Stream<Path> files = Files.exists(content) ? Files.walk(content) : Stream.empty()) {
            List<Path> left = files.filter(Files::isRegularFile).toList();
            if (!left.isEmpty()) {
                unmet.add(left.size() + " content files left in " + content + ": " + abbreviate(left.toString()));
            }
        } catch (Exception e) {
            // the engine deletes files meanwhile: look again
            unmet.add("the content folder could not be listed: " + e);
        }
        return unmet;
    }

    /** Exactly once: each item's end told for one session, failed only if doomed; its output once, with its content. */
    private static void checkOutcomes(World world) throws Exception {
        for (Source source : world.sources().values()) {
            Map<String, Map<UUID, String>> ends = source.ends();
            Path outbox = world.home().resolve("outbox").resolve(source.flow);
            for (Item item : source.items()) {
                Map<UUID, String> sessions = ends.getOrDefault(item.mark(), Map.of());
                if (sessions.size() != 1) {
                    world.violation("item " + item.describe() + " was acknowledged for " + sessions.size() + " sessions " + sessions.keySet());
                    world.explain(source, item.mark());
                }
                for (Map.Entry<UUID, String> session : sessions.entrySet()) {
                    boolean failed = !session.getValue().isEmpty();
                    if (failed != item.doomed()) {
                        world.violation("session " + session.getKey() + " of item " + item.describe() + (failed
                                ? " failed although its plan lets it succeed: " + abbreviate(session.getValue())
                                : " succeeded although its plan fails it"));
                    }
                }
                Path output = outbox.resolve(item.mark());
                if (item.doomed()) {
                    if (Files.exists(output)) {
                        world.violation("doomed item " + item.describe() + " has an output " + output);
                    }
                } else if (!Files.exists(output)) {
                    world.violation("item " + item.describe() + " has no output " + output);
                } else if (!Arrays.equals(Files.readAllBytes(output), item.expectedOutput())) {
                    world.violation("item " + item.describe() + ": its output " + output + " holds " + Files.size(output)
                            + " bytes other than its content");
                }
            }
            if (Files.exists(outbox)) {
                try (Stream<Path> files = Files.list(outbox)) {
                    files.filter(file -> source.item(file.getFileName().toString()) == null)
                            .filter(file -> !world.relocatedTemporaries.contains(file))
                            .forEach(file -> world.violation("the outbox holds " + file + ", no item's output"));
                }
            }
            for (Map.Entry<UUID, String> started : source.startedSessions().entrySet()) {
                if (!ends.getOrDefault(started.getValue(), Map.of()).containsKey(started.getKey())
                        && !world.startsLostInCrashes.contains(started.getKey())) {
                    world.violation("session " + started.getKey() + " started for " + started.getValue() + " was never told ended");
                    world.explain(source, started.getValue());
                }
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 600 ? text.substring(0, 600) + "…" : text;
    }

    static String threadDump() {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            if (thread.getThreadName().startsWith("streamline") || thread.getThreadName().startsWith("torture")) {
                dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
                if (thread.getLockName() != null) {
                    dump.append(" on ").append(thread.getLockName());
                }
                if (thread.getLockOwnerName() != null) {
                    dump.append(" owned by \"").append(thread.getLockOwnerName()).append('"');
                }
                dump.append('\n');
                for (StackTraceElement frame : thread.getStackTrace()) {
                    dump.append("    at ").append(frame).append('\n');
                }
            }
        }
        long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        if (deadlocked != null) {
            dump.insert(0, "DEADLOCK among " + deadlocked.length + " threads\n");
        }
        return dump.toString();
    }
}
