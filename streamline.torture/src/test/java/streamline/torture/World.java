package streamline.torture;

import streamline.testkit.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.Processor;
import streamline.api.processor.StepUnavailableException;
import streamline.api.processor.TriggerProcessor;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.flow.files.TortureFlowFolder;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.processors.standard.WriteFile;
import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.KnownServices;
import streamline.runtime.engine.Named;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FaultyFileLog;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The world a schedule runs in: the sources outside the engine, the flow store (kept across crashes, as a
 * persistent store would be), the disk, and the engine's current generation (a process: its engine, file log,
 * registry and home folder). Carries out the schedule's operations.
 */
final class World implements AutoCloseable {

    static final Duration STEP_TIMEOUT = Duration.ofMillis(400);
    /**
     * Processor A's wait limit with {@link Feature#STEP_NOT_NOW}: an item whose A never gets ready fails after it. Only
     * such items wait on A: the limit counts the time a step is parked or the engine is down too.
     */
    static final int A_MAX_WAIT_SECONDS = 4;
    /** The configuration key that makes processor A refuse its configuration ({@link Feature#REFUSED_VERSIONS}). */
    static final String REFUSE_KEY = "refuse";
    private static final List<String> SHAPES = List.of("A->Out", "A->B->Out", "A->[B, C]->Out");

    private final Path base;
    final Schedule.Config config;
    final Set<Feature> features;
    final Disk disk = new Disk();
    /** The database server outside the engine: the JPA log's and the JPA flow store's databases. */
    final Databases databases = new Databases(disk);
    /** The memory flow store, kept across crashes as a persistent store would be. */
    final InMemoryFlowManager memoryFlows = new InMemoryFlowManager();
    /** The log ({@code file}, {@code jpa}) and flow store ({@code memory}, {@code jpa}) the operator chose last. */
    String logChoice;
    String storeChoice;
    /** The operator's flow folder, scanned into the store in use when the schedule says; null without FLOW_FOLDER. */
    private TortureFlowFolder folder;
    /** For each flow and generation, the last cron tick its trigger was called for. */
    private final Map<String, Long> cronTicks = new ConcurrentHashMap<>();
    /** What the steps that say "not now" a few times have said so far. */
    private final NotNowCounts notNow = new NotNowCounts();
    private final Map<String, Source> sources = new LinkedHashMap<>();
    private final Map<String, Integer> shapes = new ConcurrentHashMap<>();
    private final Map<String, Integer> versions = new ConcurrentHashMap<>();
    /** The flows whose latest version is one the engine refuses. */
    private final Set<String> refusedVersions = ConcurrentHashMap.newKeySet();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<String> details = new CopyOnWriteArrayList<>();
    private final Set<String> explained = ConcurrentHashMap.newKeySet();
    final List<String> history = new CopyOnWriteArrayList<>();
    private final Set<UUID> listenerErrorsThrown = ConcurrentHashMap.newKeySet();
    /** Every session id a trigger was told of, as text: what the log check looks for. */
    final Set<String> sessionIds = ConcurrentHashMap.newKeySet();
    /**
     * Under {@code interval} sync: sessions whose trigger was told they started but whose start a crash took, or a
     * failed write of the buffered appends before a restart (the log had not forced it: the policy's documented loss
     * of the last interval's appends), so no later log held them. Their
     * items are emitted again; they themselves are never told ended, and no trigger instance that heard of them is left.
     */
    final Set<UUID> startsLostInCrashes = ConcurrentHashMap.newKeySet();
    private final List<Thread> abandoned = new ArrayList<>();
    /**
     * WriteFile's temporary files a crash's copy carried into a new home: their names hash the old home's path, so the
     * step that runs again in the new home (under another path) writes and removes another name and never these, where
     * a real process restarting in the same folder would. They are the copy's, not the engine's, leftovers.
     */
    final Set<Path> relocatedTemporaries = ConcurrentHashMap.newKeySet();

    /** The operation of the schedule being carried out (for a report), or -1 once settling. */
    volatile int operation;
    /** The engine's log lines of this run, for a report on the sessions a violation names. */
    final EngineLines engineLines = new EngineLines();

    private int generations;
    private int homes;
    Generation current;
    /** A failed fsync leaves the log refusing appends until it is reopened (its documented behaviour). */
    boolean logPoisoned;

    /** One process of the engine. */
    final class Generation {
        final Disk.Generation disk;
        final Path home;
        final ProcessorRegistry registry = new ProcessorRegistry();
        /** The file log of this home (open whether in use or not: the engine may carry sessions from or to it). */
        final FileWriteAheadLog fileLog;
        /** The JPA log as this process opened it, when it did. */
        private Databases.JpaLog jpaLog;
        final StreamlineEngine engine;
        ProcessorRegistry.Provider<Processor> steps;
        /** Under {@code interval} sync: the sessions the log held unfinished when this generation opened it. */
        final Set<UUID> loggedAtStart = new java.util.HashSet<>();

        Generation(Path home) throws Exception {
            this.disk = new Disk.Generation(++generations);
            this.home = home;
            Files.createDirectories(home);
            steps = stepProvider();
            registry.addProcessor(steps);
            Disk.Generation mine = disk;
            registry.addProcessor(ProcessorRegistry.provider("WriteFile", 2, () -> new WriteFile(home)));
            registry.addTrigger(ProcessorRegistry.<TriggerProcessor>provider(TortureTrigger.TYPE, 3,
                    () -> new TortureTrigger(World.this, mine, false)));
            registry.addTrigger(ProcessorRegistry.<TriggerProcessor>provider(TortureTrigger.CRON_TYPE, 4,
                    () -> new TortureTrigger(World.this, mine, true)));
            fileLog = FaultyFileLog.open(home.resolve("wal"), config.sync(), 64 * 1024, 256 * 1024, Duration.ofMillis(300),
                    World.this.disk.channels(disk));
            engine = new StreamlineEngine(EngineOptions.builder(home.resolve("work")).workers(4)
                    .pollInterval(Duration.ofMillis(20)).stepTimeout(STEP_TIMEOUT).triggerTimeout(Duration.ofSeconds(5))
                    .triggerBackoffMax(Duration.ofMillis(500)).eventIdle(Duration.ofMillis(5)).maxSessionsPerFlow(40)
                    .stopGrace(Duration.ofMillis(500)).waitBackoffMax(Duration.ofMillis(200)).build(), new InMemoryBranchTracker(), registry);
            engine.addListener(update -> {
                Source source = sourceOf(update.flowId());
                Item item = source == null ? null : source.item(update.triggerMark());
                if (item != null && item.listenerError() && !mine.dead && listenerErrorsThrown.add(update.sessionId())) {
                    throw new AssertionError("planned Error from a session listener for " + update.triggerMark());
                }
            });
            if (config.sync().equals("interval")) {
                fileLog.liveEntries().forEach(entry -> loggedAtStart.add(entry.sessionId()));
                if (features.contains(Feature.JPA_LOG)) {
                    log("jpa").liveEntries().forEach(entry -> loggedAtStart.add(entry.sessionId()));
                }
            }
            // named as the components name them, so that the engine records them and carries over from the one used last;
            // unnamed without the JPA parts, as the runs before them were (their seeds replay the same)
            boolean named = features.contains(Feature.JPA_LOG) || features.contains(Feature.JPA_FLOW_STORE);
            engine.start(named ? new Named<>(logChoice, log(logChoice)) : Named.unnamed(log(logChoice)),
                    named ? new Named<>(storeChoice, store(storeChoice)) : Named.unnamed(store(storeChoice)), known());
        }

        ProcessorRegistry.Provider<Processor> stepProvider() {
            return ProcessorRegistry.provider(TortureStep.TYPE, 1, () -> new TortureStep(notNow));
        }

        /** The log of that name as this process sees it; the JPA log is opened on first use. */
        synchronized WriteAheadLog log(String name) {
            if (name.equals("jpa")) {
                if (jpaLog == null) {
                    jpaLog = databases.openLog(disk);
                }
                return jpaLog.log();
            }
            return fileLog;
        }

        /** The name of the log the engine uses now, or null while none (the one in use went away). */
        String logInUse() {
            WriteAheadLog inUse = engine.wal();
            if (inUse == null) {
                return null;
            }
            return inUse == fileLog ? "file" : "jpa";
        }

        /** Every log this process has open, by name. */
        synchronized Map<String, WriteAheadLog> openLogs() {
            Map<String, WriteAheadLog> open = new LinkedHashMap<>();
            open.put("file", fileLog);
            if (jpaLog != null) {
                open.put("jpa", jpaLog.log());
            }
            return open;
        }

        private KnownServices known() {
            return new KnownServices() {
                @Override
                public java.util.Optional<WriteAheadLog> wal(String name) {
                    boolean present = name.equals("file") || name.equals("jpa") && features.contains(Feature.JPA_LOG);
                    return present ? java.util.Optional.of(log(name)) : java.util.Optional.empty();
                }

                @Override
                public java.util.Optional<FlowManager> flowStore(String name) {
                    boolean present = name.equals("memory") || name.equals("jpa") && features.contains(Feature.JPA_FLOW_STORE);
                    return present ? java.util.Optional.of(store(name)) : java.util.Optional.empty();
                }

                @Override
                public boolean abandoned(String name) {
                    return false;
                }
            };
        }

        /** Closes this process's logs (a clean stop's last act, or the reaping of a dead process). */
        synchronized void closeLogs() throws Exception {
            Exception first = null;
            try {
                fileLog.close();
            } catch (Exception e) {
                first = e;
            }
            if (jpaLog != null) {
                try {
                    jpaLog.close();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    /** The flow store of that name: both live outside the engine, across its generations. */
    FlowManager store(String name) {
        return name.equals("jpa") ? databases.flowStore() : memoryFlows;
    }

    /** The flow store the operator edits: the one chosen last. */
    FlowManager flows() {
        return store(storeChoice);
    }

    private static String other(String name, String one, String another) {
        return name.equals(one) ? another : one;
    }

    World(Path base, Schedule.Config config, Set<Feature> features) throws IOException {
        this.base = base;
        this.config = config;
        this.features = features;
        this.logChoice = config.log();
        this.storeChoice = config.store();
        Files.createDirectories(base);
        for (int i = 0; i < config.flows(); i++) {
            String name = "t" + i;
            sources.put(name, new Source(name));
            shapes.put(name, i % SHAPES.size());
            versions.put(name, 0);
        }
    }

    Source source(String flow) {
        return sources.get(flow);
    }

    Map<String, Source> sources() {
        return Collections.unmodifiableMap(sources);
    }

    private Source sourceOf(UUID flowId) {
        for (Source source : sources.values()) {
            if (FlowDefinition.idFromName(source.flow).equals(flowId)) {
                return source;
            }
        }
        return null;
    }

    void violation(String what) {
        violations.add(what);
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    /**
     * Adds to the report what an item of a violation went through: each call of a trigger instance that emitted it,
     * what the engine answered, each end told; then the engine's lines about the sessions named there. Once per item.
     */
    void explain(Source source, String mark) {
        if (!explained.add(source.flow + "/" + mark) || explained.size() > 12) {
            return;
        }
        List<String> notes = source.notes(mark);
        Set<String> sessions = new java.util.LinkedHashSet<>();
        // the sessions started or told ended (a duplicate of an item repeated in a batch that was not started names none)
        java.util.regex.Matcher ids = java.util.regex.Pattern.compile("(STARTED|told the end of) ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
                .matcher(String.join("\n", notes));
        while (ids.find()) {
            sessions.add(ids.group(2));
        }
        StringBuilder text = new StringBuilder("  item " + mark + " of " + source.flow + ":\n");
        notes.forEach(note -> text.append("    ").append(note).append('\n'));
        engineLines.about(sessions, 80).forEach(line -> text.append("      ").append(line).append('\n'));
        details.add(text.toString());
    }

    List<String> details() {
        return List.copyOf(details);
    }

    /** Runs a change to the model unless the generation is dead; a crash's copy never runs meanwhile. */
    void whileAlive(Disk.Generation generation, Runnable change) {
        disk.freeze.readLock().lock();
        try {
            if (!generation.dead) {
                change.run();
            }
        } finally {
            disk.freeze.readLock().unlock();
        }
    }

    void start() throws Exception {
        current = new Generation(base.resolve("home-" + homes++));
        for (String flow : sources.keySet()) {
            flows().save(definition(flow, true));
        }
    }

    FlowDefinition definition(String flow, boolean active) {
        int version = versions.get(flow);
        String shape = SHAPES.get(shapes.get(flow));
        UUID id = FlowDefinition.idFromName(flow);
        List<String> edges = switch (shape) {
            case "A->Out" -> List.of("A->Out");
            case "A->B->Out" -> List.of("A->B->Out");
            default -> List.of("A->B->Out", "A->C->Out");
        };
        FlowDefinition graph = streamline.testkit.TestFlows.flow(flow, edges.toArray(String[]::new));
        List<ProcessorDefinition> processors = graph.processors().stream().map(p -> p.toBuilder()
                .type(p.name().equals("Out") ? "WriteFile" : TortureStep.TYPE).maxRetries(2).backoffSeconds(0)
                .config(p.name().equals("Out") ? Map.of("path", "outbox/" + flow + "/${name}", "version", version)
                        : p.name().equals("A") ? configOfA(flow, version) : Map.of("version", version))
                .build()).toList();
        boolean cron = flow.equals("t" + config.cronFlow());
        // a tick every two seconds: a call of the trigger belongs to the last even second before it, and a second call
        // for the same tick (fired twice, or early for the next) shows unless the scheduler was two seconds late
        TriggerDefinition.Builder trigger = TriggerDefinition.builder().id(TriggerDefinition.idFromName(id, "Src")).name("Src")
                .type(cron ? TortureTrigger.CRON_TYPE : TortureTrigger.TYPE);
        if (cron) {
            trigger.cronExpression("*/2 * * * * ?");
        }
        return graph.toBuilder().active(active).processors(processors).triggers(List.of(trigger.build())).build();
    }

    // the operations of a schedule

    void emit(String flow, List<Item> items) {
        items.forEach(source(flow)::add);
    }

    private Map<String, Object> configOfA(String flow, int version) {
        Map<String, Object> config = new java.util.HashMap<>();
        config.put("version", version);
        if (features.contains(Feature.STEP_NOT_NOW)) {
            config.put(StepUnavailableException.MAX_WAIT_KEY, A_MAX_WAIT_SECONDS);
        }
        if (refusedVersions.contains(flow)) {
            config.put(REFUSE_KEY, "true");
        }
        return config;
    }

    /** Saves a new version of the flow: its graph becomes {@code shape} (-1: the same graph, a changed configuration). */
    void changeFlow(String flow, int shape) throws Exception {
        changeFlow(flow, shape, false);
    }

    /** ... in a version the engine refuses if {@code refused}. */
    void changeFlow(String flow, int shape, boolean refused) throws Exception {
        if (shape >= 0) {
            shapes.put(flow, shape % SHAPES.size());
        }
        versions.merge(flow, 1, Integer::sum);
        if (refused) {
            refusedVersions.add(flow);
            history.add("  (a version of " + flow + " the engine refuses)");
        } else {
            refusedVersions.remove(flow);
        }
        flows().save(definition(flow, true));
    }

    void setActive(String flow, boolean active) throws Exception {
        flows().setActive(FlowDefinition.idFromName(flow), active);
    }

    /** Holds the flow's next trigger call, changes (or deactivates) the flow meanwhile, then lets the call return. */
    void changeDuringCall(String flow, int shape, boolean deactivate) throws Exception {
        Source source = source(flow);
        source.holdNextCall();
        try {
            if (!source.awaitCallHeld(2_000)) {
                history.add("  (no call of " + flow + " came within 2 s: nothing changed during a call)");
                return;
            }
            if (deactivate) {
                setActive(flow, false);
            } else {
                changeFlow(flow, shape);
            }
            FlowDefinition wanted = flows().flow(FlowDefinition.idFromName(flow));
            Eventually.within(Duration.ofSeconds(2), () -> appliedByEngine(wanted));
        } finally {
            source.releaseCall();
        }
    }

    private boolean appliedByEngine(FlowDefinition wanted) {
        Set<FlowDefinition> active = current.engine.activeFlows().keySet();
        if (!wanted.active()) {
            return active.stream().noneMatch(f -> f.id().equals(wanted.id()));
        }
        return active.contains(wanted);
    }

    void providerGone() {
        current.registry.removeProcessor(current.steps);
    }

    void providerBack() {
        ProcessorRegistry.Provider<Processor> steps = current.steps;
        current.registry.removeProcessor(steps);
        current.steps = current.stepProvider();
        current.registry.addProcessor(current.steps);
    }

    void fault(Disk.Fault fault, int after) {
        disk.arm(fault, after);
        if (fault == Disk.Fault.FORCE_EIO) {
            logPoisoned = true;
        }
    }

    /**
     * Stops the engine and closes its logs, then starts a new engine on the same folders; with a detail of
     * {@link Schedule#OTHER_LOG} or {@link Schedule#OTHER_STORE} on the other log or store (switched while stopped:
     * carried over at start), with {@link Schedule#SWAP_AFTER_START} swapped to the other log right after its start.
     */
    void restart(String detail) throws Exception {
        Generation old = current;
        old.engine.stop();
        boolean lost = false;
        try {
            old.closeLogs();
        } catch (Exception e) {
            // a log whose last force fails says so on close: what it did not force, a restart recovers or not
            history.add("  (closing the log failed: " + e.getMessage() + ")");
            lost = true;
        }
        old.disk.dead = true;
        disk.disarm();
        logPoisoned = false;
        // under interval a failed write drops the buffered appends it had acknowledged, as a crash does
        Set<UUID> untold = lost ? untoldUnderInterval() : Set.of();
        startNext(old.home, detail);
        noteStartsLost(untold);
    }

    void restart() throws Exception {
        restart("");
    }

    /** A new generation on {@code home}, switched as {@code detail} says. */
    private void startNext(Path home, String detail) throws Exception {
        if (detail.equals(Schedule.OTHER_LOG)) {
            logChoice = other(logChoice, "file", "jpa");
        } else if (detail.equals(Schedule.OTHER_STORE)) {
            storeChoice = other(storeChoice, "memory", "jpa");
        }
        current = new Generation(home);
        if (detail.equals(Schedule.SWAP_AFTER_START)) {
            swapLog(other(logChoice, "file", "jpa"));
        }
    }

    /**
     * The process dies: its folders are copied while no log write is half done (with {@code powerLoss}, keeping only
     * what the log forced) and a new engine starts on the copy; the old engine is abandoned without a stop (its
     * threads are let go in the background, with every effect of theirs on the world cut off). The databases are
     * another process's: they keep what was committed.
     */
    void crash(boolean powerLoss, String detail) throws Exception {
        Generation old = current;
        Path home = base.resolve("home-" + homes++);
        disk.copyFrozen(old.home, home, powerLoss, old.disk);
        Path outbox = home.resolve("outbox");
        if (Files.exists(outbox)) {
            Disk.walkWhileChanging(outbox).stream().filter(file -> file.getFileName().toString().endsWith(".streamline-tmp"))
                    .forEach(relocatedTemporaries::add);
        }
        disk.disarm();
        logPoisoned = false;
        Thread reaper = new Thread(() -> {
            databases.drop(old.disk);
            try {
                old.engine.stop();
            } catch (Throwable e) {
                // a dead process's engine: what it does no longer matters
            }
            try {
                old.closeLogs();
            } catch (Throwable e) {
                // its channels are dead
            }
        }, "torture-abandoned-generation-" + old.disk.number);
        reaper.setDaemon(true);
        reaper.start();
        abandoned.add(reaper);
        Set<UUID> untold = untoldUnderInterval();
        startNext(home, detail);
        noteStartsLost(untold);
    }

    /** Under {@code interval} sync, the sessions told started and not yet told ended; otherwise none. */
    private Set<UUID> untoldUnderInterval() {
        Set<UUID> untold = new java.util.HashSet<>();
        if (config.sync().equals("interval")) {
            for (Source source : sources.values()) {
                Map<String, Map<UUID, String>> ends = source.ends();
                source.startedSessions().forEach((session, mark) -> {
                    if (!ends.getOrDefault(mark, Map.of()).containsKey(session)) {
                        untold.add(session);
                    }
                });
            }
        }
        return untold;
    }

    /** Of {@code untold}, those the log the current generation opened does not hold: their starts were lost. */
    private void noteStartsLost(Set<UUID> untold) {
        Set<UUID> lost = new java.util.HashSet<>(untold);
        lost.removeAll(current.loggedAtStart);
        startsLostInCrashes.addAll(lost);
    }

    void crash(boolean powerLoss) throws Exception {
        crash(powerLoss, "");
    }

    // switches

    /** Swaps the running engine to the log {@code name}, as the engine component does when the selected log changes. */
    private void swapLog(String name) throws Exception {
        try {
            current.engine.swapWal(new Named<>(name, current.log(name)));
        } catch (WriteAheadLogException | RuntimeException e) {
            if (waitsForReopenedLog(e, name)) {
                return;
            }
            history.add("  (the swap to the " + name + " log was refused, the engine stays on the " + logChoice + " log: " + e + ")");
        }
        noteLogInUse();
    }

    /**
     * Whether the engine, left without a log, refused {@code name} because a log it must go through refuses every call
     * until it is reopened (a failed force left it so): the one that went away with its sessions unreadable, or the one
     * coming, which must first be told the handovers owed to it. Steps wait, as they should; the operator's remedy, a
     * restart, reopens every log, and the harness makes it. @return whether it restarted
     */
    private boolean waitsForReopenedLog(Exception refusal, String name) throws Exception {
        String message = String.valueOf(refusal.getMessage());
        if (current.engine.wal() != null
                || !(message.contains("takes no other log until") || message.contains("reopen"))) {
            return false;
        }
        history.add("  (the " + name + " log was not taken: a log refusing every call until reopened stood in the way; a restart "
                + "reopens it: " + message + ")");
        restart();
        return true;
    }

    /** What the operator sees after a switch: the log the engine took (the previous one if the switch was refused). */
    private void noteLogInUse() {
        String inUse = current.logInUse();
        if (inUse == null) {
            violation("after a switch of logs the engine has no log (the " + logChoice + " log went away and none came back)");
            return;
        }
        logChoice = inUse;
    }

    /**
     * Moves the running engine to the other log: {@code mode} 0 a swap (the selected log changed); 1 the log in use goes
     * away (its service unregistered) and the other comes {@code pauseMillis} later; 2 the same log comes back.
     */
    void switchLog(int mode, int pauseMillis) throws Exception {
        String next = mode == 2 ? logChoice : other(logChoice, "file", "jpa");
        if (mode == 0) {
            swapLog(next);
            return;
        }
        WriteAheadLog leaving = current.engine.wal();
        String leavingName = logChoice;
        current.engine.detachWal(leaving);
        // steps wait meanwhile; the engine keeps what the log held, to hand it to the next: the other log comes once the
        // engine has let the leaving one go, or at the schedule's pause at the latest
        Eventually.within(Duration.ofMillis(pauseMillis), () -> current.engine.wal() != leaving);
        if (!next.equals(leavingName) && !tookOther(next, leavingName)) {
            return;
        }
        swapLog(next);
        if (!next.equals(leavingName)) {
            // the log that went away is registered again while the engine stays on the other, as the component tells it
            current.engine.logPresent(leavingName, current.known());
        }
    }

    /**
     * The other log comes after the one in use went away. If the engine refuses it because the sessions of the one that
     * went away could not be read, or because it refuses calls itself, it waits ({@link #waitsForReopenedLog}).
     * @return whether the engine may be given the other log as usual
     */
    private boolean tookOther(String next, String leavingName) throws Exception {
        try {
            current.engine.swapWal(new Named<>(next, current.log(next)));
        } catch (WriteAheadLogException | RuntimeException e) {
            if (waitsForReopenedLog(e, next)) {
                return false;
            }
        }
        return true;
    }

    /** Moves the running engine to the other flow store, as the engine component does when the selected store changes. */
    void switchFlowStore() {
        storeChoice = other(storeChoice, "memory", "jpa");
        current.engine.setFlowManager(new Named<>(storeChoice, flows()));
    }

    // the flow folder

    /**
     * Writes the flow's file in the folder and scans it into the store in use, as the folder's component does on its
     * poll: a new version ({@code broken} false), which the store must then hold, or a broken file, which must be
     * refused: the store keeps the last good version and the engine keeps running it.
     */
    void writeFlowFile(String flow, boolean broken, long random) throws Exception {
        Path directory = base.resolve("flows");
        if (folder == null) {
            Files.createDirectories(directory);
            folder = new TortureFlowFolder(directory);
        }
        UUID id = FlowDefinition.idFromName(flow);
        FlowDefinition before = flows().flow(id);
        String text;
        if (broken) {
            String good = folder.write(definition(flow, before.active()));
            text = switch ((int) Math.floorMod(random, 3L)) {
                case 0 -> good.substring(0, good.length() / 2); // cut short: not JSON
                case 1 -> good.replace("->Out", "->Nowhere->Out"); // names a processor the flow does not have
                default -> good.replace("\"Src\"", "\"Src\",\"cron\":\"61 * * * * ?\""); // a field the format does not know
            };
            history.add("  (a broken file for " + flow + ")");
        } else {
            versions.merge(flow, 1, Integer::sum);
            refusedVersions.remove(flow);
            text = folder.write(definition(flow, before.active()));
        }
        Path file = directory.resolve(flow + ".json");
        Path temporary = directory.resolve(flow + ".json.tmp");
        Files.writeString(temporary, text);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        folder.scan(flows());
        FlowDefinition after = flows().flow(id);
        if (broken) {
            if (!after.equalsIgnoringLastUpdated(before)) {
                violation("a broken flow file of " + flow + " changed the stored flow: " + before + " became " + after);
            }
        } else {
            Object version = TortureFlowFolder.withoutOrigin(after).processors().stream().filter(p -> p.name().equals("A"))
                    .findFirst().map(p -> p.config().get("version")).orElse(null);
            if (version == null || !version.toString().equals(versions.get(flow).toString())) {
                violation("flow file of " + flow + " in version " + versions.get(flow) + " was not saved: the store holds " + after);
            }
        }
        if (after.active() && !refusedVersions.contains(flow)) { // a refused version stays refused: the engine runs the one before
            FlowDefinition wanted = after;
            if (!Eventually.within(Duration.ofSeconds(5), () -> appliedByEngine(wanted))) {
                violation("after a " + (broken ? "broken" : "new") + " flow file of " + flow + " the engine does not run the stored "
                        + "version within 5 s: " + current.engine.activeFlows().keySet());
            }
        }
    }

    // cron

    /**
     * A cron trigger of {@code flow} in {@code generation} was called at {@code at} (the wall clock, which the engine's
     * cron ticks read too); a second call for one tick is a violation.
     */
    void cronCalled(String flow, Disk.Generation generation, java.time.Instant at) {
        long second = at.getEpochSecond();
        long tick = second - Math.floorMod(second, 2L);
        whileAlive(generation, () -> {
            Long last = cronTicks.put(flow + "@" + generation.number, tick);
            if (last != null && last >= tick) {
                violation("cron trigger of " + flow + " (generation " + generation.number + ") called twice for the tick at "
                        + java.time.Instant.ofEpochSecond(tick) + " (fired twice, or early for the next tick)");
            }
        });
    }

    /** The log in use now (null while none). */
    WriteAheadLog log() {
        return current.engine.wal();
    }

    /** Total items acknowledged so far, over every source. */
    int acknowledged() {
        int total = 0;
        for (Source source : sources.values()) {
            total += source.items().size() - source.unacknowledgedCount();
        }
        return total;
    }

    /** Every item each source ever held. */
    int itemCount() {
        return sources.values().stream().mapToInt(s -> s.items().size()).sum();
    }

    /** Activates every flow again in its latest version: the schedule may have left some inactive. */
    void activateAll() throws Exception {
        for (String flow : sources.keySet()) {
            if (refusedVersions.contains(flow)) {
                changeFlow(flow, -1); // the operator's remedy: a version the engine takes
            }
            FlowDefinition stored = flows().flow(FlowDefinition.idFromName(flow));
            if (!stored.active()) {
                setActive(flow, true);
            }
        }
    }

    int generationCount() {
        return generations;
    }

    Path home() {
        return current.home;
    }

    @Override
    public void close() {
        try {
            current.engine.stop();
        } catch (Throwable e) {
            history.add("stop at the end failed: " + e);
        }
        try {
            current.closeLogs();
        } catch (Throwable e) {
            history.add("closing the logs at the end failed: " + e);
        }
        current.disk.dead = true;
        // the abandoned generations stop side by side: 5 s for all of them, not for each (a stop that takes longer lets its
        // threads go, as before)
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        for (Thread reaper : abandoned) {
            try {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                reaper.join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            databases.close();
        } catch (Throwable e) {
            history.add("closing the databases at the end failed: " + e);
        }
    }
}
