package streamline.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import streamline.cron.support.CronSchedule;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.engine.Engine;
import streamline.api.engine.EngineException;
import streamline.api.engine.SessionInfo;
import streamline.api.engine.SessionListener;
import streamline.api.engine.SessionUpdate;
import streamline.api.engine.TriggerCoordinator;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.processor.ContentSource;
import streamline.api.processor.FlowObject;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.Processor;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.api.track.BranchTracker;
import streamline.api.track.StepCompletion;
import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * The engine: follows a flow store and activates its active flows, runs their triggers, runs every
 * session's steps on a worker pool, writes every step to the write-ahead log, recovers unfinished
 * steps, and swaps its log and flow store while running. Plain Java, so it runs and is tested
 * without a framework; {@link EngineComponent} is its OSGi face.
 *
 * <h2>A step</h2>
 * A step's {@code STEP_STARTED} entry is logged before it is handed to a worker (together with the
 * completion of the step before it, or the session's start). The worker runs the processor with a
 * timeout, then logs {@code STEP_COMPLETED}, asks the tracker which steps became ready, and logs
 * their starts (and {@code SESSION_FINISHED} when none is left) before dispatching them. A failure is
 * retried after its backoff with a new {@code STEP_STARTED} carrying the next attempt, so the count
 * survives a restart; the last failure ends the session as failed. Every log write happens inside
 * the {@link StepGate}, which a log swap closes.
 *
 * <h2>Joins</h2>
 * A join runs once per session, when the tracker says every predecessor reached in the session
 * completed. Its input metadata merges the predecessors' outputs in the flow's predecessor order
 * (the order of the processors in the definition): a key set by several takes the value of the last.
 * Its content is the content of the first predecessor, in that order, that has content.
 */
public final class StreamlineEngine implements Engine {

    private static final Logger LOG = LogManager.getLogger(StreamlineEngine.class);
    private static final Duration WAL_RETRY = Duration.ofSeconds(1);
    /** How much of a session's error text is logged when the log refuses the whole (an exception's message of many megabytes). */
    private static final int ERROR_KEPT_WHEN_REFUSED = 64 * 1024;
    private static final Duration SWAP_SLACK = Duration.ofSeconds(30);
    private static final int FLOW_PAGE = 200;

    private final EngineOptions options;
    private final BranchTracker tracker;
    private final ProcessorRegistry registry;
    private final ContentStore content;
    private final FailedSessionStore failed;
    private final Path stateDirectory;
    private final ExpressionEvaluator expressions;
    private final RetryBackoff backoff;
    private final ObjectMapper json = new ObjectMapper();
    private final StepGate gate = new StepGate();
    private final InUseRecord inUse;

    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService triggerThreads;
    private final TriggerRunner triggers;

    private final Map<UUID, FlowRun> activeFlows = new ConcurrentHashMap<>();
    private final Set<FlowRun> retiredFlows = ConcurrentHashMap.newKeySet();
    private final Map<UUID, SessionRun> sessions = new ConcurrentHashMap<>();
    /** The live session of each (trigger, mark), by the mark as logged: at most one session per source item. */
    private final Map<String, UUID> liveMarks = new ConcurrentHashMap<>();
    private final Map<UUID, AtomicInteger> sessionsPerFlow = new ConcurrentHashMap<>();
    /** Recovered sessions whose flow is not active (or not ready) yet, by flow. */
    private final Map<UUID, Set<SessionRun>> awaitingFlow = new ConcurrentHashMap<>();
    /** Versions of flows refused when they were prepared, by flow, to try again when providers change. */
    private final Map<UUID, FlowDefinition> refused = new ConcurrentHashMap<>();
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private final Object flowLock = new Object();

    private volatile WriteAheadLog wal;
    private volatile List<LogEntry> carryOver = List.of();
    private volatile FlowManager flowManager;
    private volatile TriggerCoordinator coordinator;
    private volatile Instant flowsSeenUntil = Instant.EPOCH;
    private volatile boolean resyncFlows = true;
    private volatile String lastPollError = "";
    private volatile boolean stopped;
    private ScheduledFuture<?> polling;

    public StreamlineEngine(EngineOptions options, BranchTracker tracker, ProcessorRegistry registry) throws IOException {
        this.options = Objects.requireNonNull(options, "options");
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.registry = Objects.requireNonNull(registry, "registry");
        Path work = options.workDirectory();
        this.content = new ContentStore(work.resolve("content"));
        this.failed = new FailedSessionStore(work.resolve("failed"), json);
        this.stateDirectory = work.resolve("state");
        this.inUse = new InUseRecord(work, json);
        this.expressions = new ExpressionEvaluator(options.envInExpressions());
        this.backoff = new RetryBackoff(options.retryBackoff(), options.retryBackoffCap());
        this.workers = new ThreadPoolExecutor(options.workers(), options.workers(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threads("streamline-worker"));
        this.scheduler = new ScheduledThreadPoolExecutor(1, threads("streamline-scheduler"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.triggerThreads = Executors.newCachedThreadPool(threads("streamline-trigger"));
        this.triggers = new TriggerRunner(options, scheduler, triggerThreads, new TriggerRunner.Sessions() {
            @Override
            public int inProgress(UUID flowId) {
                return StreamlineEngine.this.inProgress(flowId);
            }

            @Override
            public List<ItemOutcome> start(FlowRun run, UUID triggerId, List<TriggerResult> items) {
                return startSessions(run, triggerId, items);
            }

            @Override
            public TriggerCoordinator coordinator() {
                return coordinator;
            }

            @Override
            public boolean stopped() {
                return stopped;
            }
        });
        registry.listen(new ProcessorRegistry.Listener() {
            @Override
            public void added() {
                providersAdded();
            }

            @Override
            public void removed(ProcessorRegistry.Provider<?> provider) {
                providerRemoved(provider);
            }
        });
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    public EngineOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts on a log and a flow store that the engine does not record by name (tests, benchmarks). */
    public void start(WriteAheadLog log, FlowManager flows) throws WriteAheadLogException, IOException {
        try {
            start(Named.unnamed(log), Named.unnamed(flows), KnownServices.NONE);
        } catch (PreviousUnavailableException e) {
            throw new IllegalStateException("unnamed services never wait for a previous one", e);
        }
    }

    /**
     * Starts on a log and a flow store. If the engine last used others (recorded in its work
     * directory), it first carries their unfinished sessions and flows over, then records the new
     * choice; then it sweeps content no live session needs, recovers the log's unfinished sessions
     * (each resumes once its flow is active), and starts following the store.
     *
     * @throws PreviousUnavailableException if the log or store used last is not among {@code known} and not
     *         declared abandoned: nothing was changed, start again once it is present
     */
    public void start(Named<WriteAheadLog> log, Named<FlowManager> flows, KnownServices known)
            throws WriteAheadLogException, IOException, PreviousUnavailableException {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(flows, "flows");
        InUseRecord.InUse recorded = log.recorded() || flows.recorded() ? inUse.read() : InUseRecord.InUse.NONE;
        WriteAheadLog previousLog = previous(recorded.wal(), log, known.wal(recorded.wal()), "write-ahead log", known);
        FlowManager previousStore = previous(recorded.flowStore(), flows, known.flowStore(recorded.flowStore()), "flow store", known);
        if (previousLog != null) {
            List<LogEntry> old = previousLog.liveEntries();
            LogHandover.Result result = LogHandover.carry(old, log.service());
            LogHandover.markHandedOver(previousLog, old);
            LOG.info("the engine last ran on write-ahead log '{}': {} unfinished sessions carried over to {}", recorded.wal(),
                    result.sessions(), log);
        }
        if (previousStore != null) {
            try {
                int saved = FlowHandover.carry(previousStore, flows.service());
                LOG.info("the engine last used flow store '{}': {} flows carried over to {}", recorded.flowStore(), saved, flows);
            } catch (FlowStoreException e) {
                throw new IOException("could not carry the flows of flow store '" + recorded.flowStore() + "' over to " + flows
                        + ": " + e.getMessage(), e);
            }
        }
        recordInUse(new InUseRecord.InUse(log.recorded() ? log.name() : recorded.wal(),
                flows.recorded() ? flows.name() : recorded.flowStore()));
        this.wal = log.service();
        this.flowManager = flows.service();
        List<LogEntry> live = log.service().liveEntries();
        sweepContent(live);
        int recovered = adopt(live);
        if (recovered > 0) {
            LOG.info("recovering {} unfinished sessions from the write-ahead log; each resumes once its flow is active", recovered);
        }
        polling = scheduler.scheduleWithFixedDelay(this::pollFlowsSafely, 0, options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The log or store used last, when the engine now starts on another one: it must be present, unless the
     * operator declared it gone for good.
     *
     * @return null when there is nothing to carry over
     */
    private static <T> T previous(String recordedName, Named<T> current, Optional<T> found, String what,
            KnownServices known) throws PreviousUnavailableException {
        if (!current.recorded() || recordedName.isEmpty() || recordedName.equals(current.name())) {
            return null;
        }
        if (found.isPresent()) {
            return found.get();
        }
        if (known.abandoned(recordedName)) {
            LOG.warn("the engine last used {} '{}', which the configuration declares abandoned: starting on {} without what it holds",
                    what, recordedName, current);
            return null;
        }
        throw new PreviousUnavailableException(recordedName, "the engine last used " + what + " '" + recordedName
                + "', which is not present; it waits for it, to carry what it holds over to " + current
                + " (if it is gone for good, name it in the engine's 'abandon' configuration)");
    }

    /** Deletes content files no unfinished session of the log in use refers to (the previous log's were carried into it). */
    private void sweepContent(List<LogEntry> live) throws IOException {
        Set<String> liveContent = new HashSet<>();
        live.forEach(entry -> liveContent.add(entry.contentId()));
        liveContent.remove("");
        int swept = content.sweep(liveContent);
        if (swept > 0) {
            LOG.info("deleted {} content files no live session needs from {}", swept, content.directory());
        }
    }

    /** Records the log and store in use; failing that, the engine goes on (a later start then carries over from an emptied one). */
    private void recordInUse(InUseRecord.InUse now) {
        if (now.equals(InUseRecord.InUse.NONE)) {
            return;
        }
        try {
            inUse.write(now);
        } catch (IOException e) {
            LOG.error("could not record the write-ahead log and flow store in use in {}: {}", inUse.file(), e.toString());
        }
    }

    /**
     * Stops: no new session or step starts, running steps finish (up to a timeout), triggers and
     * processors are closed. Unfinished sessions stay in the log for the next start.
     */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        registry.listen(null);
        if (polling != null) {
            polling.cancel(false);
        }
        synchronized (flowLock) {
            activeFlows.values().forEach(triggers::stop);
        }
        try {
            if (!gate.close(options.stopGrace())) {
                LOG.warn("steps still running after {} s; interrupting them, they run again after the next start",
                        options.stopGrace().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        triggerThreads.shutdownNow();
        workers.shutdownNow();
        scheduler.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
            triggerThreads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (flowLock) {
            activeFlows.values().forEach(this::closeInstances);
            retiredFlows.forEach(this::closeInstances);
            activeFlows.clear();
            retiredFlows.clear();
        }
        // the tracker is a shared service: leave nothing of ours behind in it
        int unfinished = sessions.size();
        sessions.keySet().forEach(tracker::forgetSession);
        sessions.clear();
        LOG.info("engine stopped; {} unfinished sessions stay in the write-ahead log for the next start", unfinished);
    }

    public void addListener(SessionListener listener) {
        listeners.add(listener);
    }

    public void removeListener(SessionListener listener) {
        listeners.remove(listener);
    }

    public void setCoordinator(TriggerCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    // ---------------------------------------------------------------- hot swap

    /** The log in use now. */
    public WriteAheadLog wal() {
        return wal;
    }

    /**
     * Moves to another log while running: quiesces (no step starts, running steps finish and are
     * logged), copies the unfinished sessions' entries into the new log, hands them over in the old
     * one (a {@code SESSION_FINISHED} there, so the old log no longer counts them unfinished), switches
     * and resumes. Sessions the new log already held unfinished (left there by an earlier run) are
     * recovered too.
     *
     * @throws WriteAheadLogException if the new log could not take the sessions; the old one stays in use
     */
    public void swapWal(WriteAheadLog next) throws WriteAheadLogException {
        swapWal(Named.unnamed(next));
    }

    /** As {@link #swapWal(WriteAheadLog)}, recording the new log's name. */
    public void swapWal(Named<WriteAheadLog> next) throws WriteAheadLogException {
        Objects.requireNonNull(next, "next");
        WriteAheadLog previous = wal;
        if (previous == next.service()) {
            return;
        }
        if (previous == null) {
            attachWal(next);
            return;
        }
        quiesce();
        LogHandover.Result result;
        try {
            List<LogEntry> live = previous.liveEntries();
            result = LogHandover.carry(live, next.service());
            wal = next.service();
            LogHandover.markHandedOver(previous, live);
            recordWal(next);
            LOG.info("write-ahead log swapped to {}: {} entries of {} unfinished sessions carried over", next,
                    result.carried().size(), result.sessions());
        } finally {
            gate.open();
        }
        int adopted = adopt(result.alreadyThere());
        if (adopted > 0) {
            LOG.info("the new write-ahead log held {} unfinished sessions of an earlier run; recovering them", adopted);
        }
    }

    private void recordWal(Named<WriteAheadLog> log) {
        if (log.recorded()) {
            try {
                recordInUse(inUse.read().withWal(log.name()));
            } catch (IOException e) {
                LOG.error("could not record the write-ahead log in use in {}: {}", inUse.file(), e.toString());
            }
        }
    }

    /**
     * The log in use goes away before a replacement came: quiesce and keep its unfinished sessions'
     * entries in memory, to hand them to the next log; steps wait until one comes. If the engine
     * stops first, nothing is lost: the entries are still in the log that went away.
     */
    public void detachWal(WriteAheadLog leaving) {
        if (wal != leaving || stopped) {
            return;
        }
        try {
            quiesce();
        } catch (WriteAheadLogException e) {
            LOG.warn("the write-ahead log in use goes away while steps still run: {}", e.getMessage());
            gate.forceClose();
        }
        try {
            carryOver = leaving.liveEntries();
        } catch (WriteAheadLogException | RuntimeException e) {
            LOG.error("the write-ahead log in use went away and its unfinished sessions could not be read; they stay in it: {}",
                    e.getMessage());
            carryOver = List.of();
        }
        wal = null;
        LOG.warn("the write-ahead log in use went away; steps wait for another ({} entries held to carry over)", carryOver.size());
    }

    private void attachWal(Named<WriteAheadLog> next) throws WriteAheadLogException {
        List<LogEntry> live = carryOver;
        LogHandover.Result result = LogHandover.carry(live, next.service());
        carryOver = List.of();
        wal = next.service();
        recordWal(next);
        gate.open();
        LOG.info("write-ahead log {} attached: {} entries carried over", next, result.carried().size());
        adopt(result.alreadyThere());
    }

    private void quiesce() throws WriteAheadLogException {
        try {
            if (!gate.close(options.stepTimeout().plus(SWAP_SLACK))) {
                gate.open();
                throw new WriteAheadLogException("steps did not finish within " + options.stepTimeout().plus(SWAP_SLACK)
                        + "; the write-ahead log was not swapped");
            }
        } catch (InterruptedException e) {
            gate.open();
            Thread.currentThread().interrupt();
            throw new WriteAheadLogException("interrupted while waiting for running steps; the write-ahead log was not swapped", e);
        }
    }

    /** Switches to another flow store: activation re-reads every flow from it. */
    public void setFlowManager(FlowManager flows) {
        setFlowManager(Named.unnamed(flows));
    }

    /**
     * Switches to another flow store: first carries the flows of the store in use over (those the new
     * one lacks or holds in an older version), so that no flow stops, then re-reads every flow from it.
     */
    public void setFlowManager(Named<FlowManager> flows) {
        Objects.requireNonNull(flows, "flows");
        FlowManager previous = flowManager;
        if (previous != null && previous != flows.service()) {
            try {
                int saved = FlowHandover.carry(previous, flows.service());
                LOG.info("flow store switched to {}: {} flows carried over", flows, saved);
            } catch (FlowStoreException | RuntimeException e) {
                LOG.error("flow store switched to {}, but the flows of the previous one could not all be carried over: {}", flows,
                        e.getMessage());
            }
        }
        this.flowManager = flows.service();
        if (flows.recorded()) {
            try {
                recordInUse(inUse.read().withFlowStore(flows.name()));
            } catch (IOException e) {
                LOG.error("could not record the flow store in use in {}: {}", inUse.file(), e.toString());
            }
        }
        this.resyncFlows = true;
        if (!stopped) {
            try {
                scheduler.execute(this::pollFlowsSafely);
            } catch (RejectedExecutionException e) {
                // stopping
            }
        }
    }

    // ---------------------------------------------------------------- flows

    /** The periodic task: a task that throws is never run again, so nothing may escape it. */
    private void pollFlowsSafely() {
        try {
            pollFlows();
        } catch (Throwable e) {
            LOG.error("reading the flow store failed; trying again in {} ms", options.pollInterval().toMillis(), e);
        }
    }

    private void pollFlows() {
        FlowManager flows = flowManager;
        if (flows == null || stopped) {
            return;
        }
        boolean full = resyncFlows;
        resyncFlows = false;
        Instant since = full ? Instant.EPOCH : flowsSeenUntil;
        Instant newest = since;
        Set<UUID> seen = new HashSet<>();
        try {
            int page = 0;
            Page<FlowDefinition> flowsPage;
            do {
                flowsPage = flows.listFlows(new PageRequest(page++, FLOW_PAGE), since);
                for (FlowDefinition flow : flowsPage.items()) {
                    seen.add(flow.id());
                    if (flow.lastUpdated().isAfter(newest)) {
                        newest = flow.lastUpdated();
                    }
                    reconcileSafely(flow);
                }
            } while (flowsPage.hasNext());
            if (full) {
                for (UUID active : List.copyOf(activeFlows.keySet())) {
                    if (!seen.contains(active)) {
                        deactivate(active, "it is not in the flow store now in use");
                    }
                }
            }
            flowsSeenUntil = newest;
            lastPollError = "";
        } catch (FlowStoreException | RuntimeException | StackOverflowError | LinkageError e) {
            // whatever a store throws, this task runs again at the next interval: a periodic task that throws is never run again
            if (full) {
                resyncFlows = true;
            }
            String message = e.getMessage();
            if (!Objects.equals(message, lastPollError)) {
                LOG.warn("cannot read flows from the flow store (retrying every {} ms): {}", options.pollInterval().toMillis(), message);
                lastPollError = message;
            }
        }
    }

    /**
     * Brings one flow of the store into effect. A new version is prepared and its processors are
     * initialised before the running version is retired: a version refused at that point leaves the
     * running one in place, and is tried again when processor providers change (a provider whose
     * operator configuration changed is registered anew).
     */
    private void reconcile(FlowDefinition flow) {
        synchronized (flowLock) {
            if (stopped) {
                return;
            }
            FlowRun current = activeFlows.get(flow.id());
            if (!flow.active()) {
                refused.remove(flow.id());
                if (current != null) {
                    deactivate(flow.id(), "it was set inactive");
                }
                return;
            }
            if (current != null && FlowHandover.sameDefinition(current.definition, flow)) {
                // the very same definition (saved again, or carried into another store): nothing to restart
                current.resaved(flow);
                refused.remove(flow.id());
                return;
            }
            FlowRun next;
            try {
                next = prepare(flow);
            } catch (IllegalArgumentException e) {
                refused.put(flow.id(), flow);
                LOG.error("flow {} ({}) not activated{}: {}", flow.name(), flow.id(),
                        current == null ? "" : "; its previous version keeps running", e.getMessage());
                return;
            }
            try {
                next.provideInstances(registry);
            } catch (RuntimeException | StackOverflowError | LinkageError e) {
                next.releaseInstances();
                refused.put(flow.id(), flow);
                LOG.error("flow {} ({}) not activated{}: {}", flow.name(), flow.id(),
                        current == null ? "" : "; its previous version keeps running", e.getMessage() == null ? e.toString() : e.getMessage());
                return;
            }
            refused.remove(flow.id());
            if (current != null) {
                retire(current);
            }
            activeFlows.put(flow.id(), next);
            LOG.info("flow {} ({}) {}", flow.name(), flow.id(), current == null ? "activated" : "re-activated with its new definition");
            provide(next);
        }
    }

    /** Tries again the flow versions refused at their preparation, after a change that may let them start. */
    private void reconsiderRefused() {
        for (FlowDefinition flow : List.copyOf(refused.values())) {
            reconcileSafely(flow);
        }
    }

    /** Reconciles one flow; whatever goes wrong with it is logged with the flow and never stops the caller's loop. */
    private void reconcileSafely(FlowDefinition flow) {
        try {
            reconcile(flow);
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            refused.put(flow.id(), flow);
            LOG.error("flow {} ({}) could not be brought into effect; other flows go on: {}", flow.name(), flow.id(), e.toString(), e);
        }
    }

    /** Builds a run of a definition, checking what the store may not have (graph, cron, backoff settings). */
    private FlowRun prepare(FlowDefinition flow) {
        FlowGraph graph;
        try {
            graph = FlowGraph.of(flow);
        } catch (streamline.api.flow.InvalidFlowException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        FlowRun run = new FlowRun(flow, graph);
        for (ProcessorDefinition processor : flow.processors()) {
            backoff.validate(processor);
            run.processors.put(processor.id(), new FlowRun.ProcessorSlot(processor,
                    baseContext(flow, processor.id(), processor.name(), processor.type(), processor.config(), processor.logLevel())));
        }
        for (TriggerDefinition trigger : flow.triggers()) {
            CronSchedule cron = trigger.hasCron() ? CronSchedule.parse(trigger.cronExpression()) : null;
            run.triggers.put(trigger.id(), new FlowRun.TriggerSlot(trigger,
                    baseContext(flow, trigger.id(), trigger.name(), trigger.type(), trigger.config(), trigger.logLevel()), cron));
        }
        return run;
    }

    private EngineContexts.Base baseContext(FlowDefinition flow, UUID id, String name, String type,
            Map<String, Object> config, streamline.api.flow.LogLevel level) {
        return new EngineContexts.Base(flow.id(), flow.name(), id, name, type, config,
                new ProcessorLogger(flow.name(), name, level), new FileStateManager(stateDirectory, id.toString(), json),
                expressions);
    }

    private void deactivate(UUID flowId, String why) {
        synchronized (flowLock) {
            FlowRun run = activeFlows.remove(flowId);
            if (run != null) {
                LOG.info("{} deactivated: {}", run, why);
                retire(run);
            }
        }
    }

    /** Stops a run's triggers; its sessions finish, and its instances close with the last of them. */
    private void retire(FlowRun run) {
        run.retired = true;
        triggers.stop(run);
        if (run.sessions.get() == 0) {
            closeInstances(run);
        } else {
            retiredFlows.add(run);
        }
    }

    /**
     * Gives a run instances for every slot that lacks one and has a provider; starts its triggers
     * and resumes its recovered sessions once it is complete.
     */
    private void provide(FlowRun run) {
        synchronized (flowLock) {
            if (run.closed || stopped) {
                return;
            }
            try {
                run.provideInstances(registry);
            } catch (IllegalStateException e) {
                LOG.error("{} cannot run: {}", run, e.getMessage());
                if (!run.retired) {
                    activeFlows.remove(run.id());
                    retire(run);
                }
                return;
            }
            if (!run.ready()) {
                LOG.warn("{} waits for processor types without a provider: {}", run, run.missingTypes());
                return;
            }
            if (!run.retired && !run.triggersStarted) {
                triggers.start(run);
            }
        }
        Runnable parked;
        while ((parked = run.parked.poll()) != null) {
            parked.run();
        }
        if (!run.retired) {
            resumeRecovered(run);
        }
    }

    private void closeInstances(FlowRun run) {
        synchronized (flowLock) {
            if (run.closed) {
                return;
            }
            run.closed = true;
            retiredFlows.remove(run);
            triggers.stop(run);
            run.releaseInstances();
        }
    }

    private void providersAdded() {
        List<FlowRun> runs = new ArrayList<>(activeFlows.values());
        runs.addAll(retiredFlows);
        runs.forEach(this::provide);
        reconsiderRefused();
    }

    /** A provider left: its instances are dropped; their flows stop taking items and their steps wait. */
    private void providerRemoved(ProcessorRegistry.Provider<?> provider) {
        synchronized (flowLock) {
            List<FlowRun> runs = new ArrayList<>(activeFlows.values());
            runs.addAll(retiredFlows);
            for (FlowRun run : runs) {
                if (run.dropInstancesOf(provider)) {
                    triggers.stop(run);
                }
            }
        }
    }

    // ---------------------------------------------------------------- sessions

    private int inProgress(UUID flowId) {
        AtomicInteger count = sessionsPerFlow.get(flowId);
        return count == null ? 0 : count.get();
    }

    @Override
    public UUID submit(UUID flowId, FlowObject item, ContentSource source) throws EngineException {
        FlowRun run = activeFlows.get(flowId);
        if (run == null || !run.ready()) {
            throw new EngineException("flow " + flowId + (run == null ? " is not active" : " waits for processor types " + run.missingTypes()));
        }
        ItemOutcome outcome = startSessions(run, null, List.of(new TriggerResult(item.metadata(), item.triggerMark(), source))).get(0);
        if (!outcome.accepted()) {
            throw new EngineException(outcome.reason());
        }
        return outcome.sessionId();
    }

    /** A session of a batch being started. */
    private static final class NewSession {
        final int index;
        final TriggerResult item;
        final UUID id = UUID.randomUUID();
        /** The key it claimed in {@link #liveMarks}, or null. */
        String claimedMark;
        String contentId = "";
        SessionRun session;

        NewSession(int index, TriggerResult item) {
            this.index = index;
            this.item = item;
        }
    }

    /**
     * Starts a batch of items as one unit: an item whose (trigger, mark) has a live session is a
     * duplicate; the others' contents are stored, then the first steps of all of them go to the log
     * in one write, then they run. If anything fails before the write is done, none of them is
     * started and each says why.
     *
     * @return an outcome per item, in order
     */
    List<ItemOutcome> startSessions(FlowRun run, UUID triggerId, List<TriggerResult> items) {
        ItemOutcome[] outcomes = new ItemOutcome[items.size()];
        List<NewSession> batch = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            NewSession fresh = new NewSession(i, items.get(i));
            String key = triggerId == null || fresh.item.triggerMark().isEmpty() ? null
                    : TriggerMarks.encode(triggerId, fresh.item.triggerMark());
            UUID live = key == null ? null : liveMarks.putIfAbsent(key, fresh.id);
            if (live != null) {
                outcomes[i] = ItemOutcome.duplicate(fresh.item, live);
            } else {
                fresh.claimedMark = key;
                batch.add(fresh);
            }
        }
        String failure = null;
        List<LogEntry> starts = new ArrayList<>();
        Map<NewSession, List<UUID>> firstSteps = new LinkedHashMap<>();
        try {
            for (NewSession fresh : batch) {
                fresh.contentId = importContent(run, fresh);
            }
            for (NewSession fresh : batch) {
                SessionRun session = new SessionRun(fresh.id, run.id(), triggerId, fresh.item.triggerMark(), Instant.now(), run);
                session.holdContent(fresh.contentId);
                register(session, run);
                fresh.session = session;
                List<UUID> first = tracker.startSession(fresh.id, run.graph);
                firstSteps.put(fresh, first);
                FlowObject input = new FlowObject(fresh.item.metadata(), fresh.item.triggerMark());
                for (UUID step : first) {
                    starts.add(started(session, step, input, fresh.contentId, 0));
                }
            }
            if (!starts.isEmpty()) {
                append(starts);
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            failure = "could not store the content of an item for " + run + ": " + describe(e);
        } catch (WriteAheadLogException e) {
            failure = "could not log the start of the batch's sessions of " + run + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted while logging the start of the batch's sessions of " + run;
        }
        if (failure != null) {
            for (NewSession fresh : batch) {
                undoStart(fresh);
                outcomes[fresh.index] = ItemOutcome.notStarted(fresh.item, batch.size() == 1 ? failure
                        : failure + " (none of the " + batch.size() + " new items of the batch was started)");
            }
            return List.of(outcomes);
        }
        for (NewSession fresh : batch) {
            outcomes[fresh.index] = ItemOutcome.started(fresh.item, fresh.id);
            FlowObject input = new FlowObject(fresh.item.metadata(), fresh.item.triggerMark());
            for (UUID step : firstSteps.get(fresh)) {
                dispatch(fresh.session, step, new SessionRun.StepInput(input, fresh.contentId, 0));
            }
        }
        return List.of(outcomes);
    }

    private String importContent(FlowRun run, NewSession fresh) throws IOException {
        ContentSource source = fresh.item.content();
        if (source == null) {
            return "";
        }
        try {
            return content.importFrom(source);
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new IOException("item '" + fresh.item.triggerMark() + "': " + describe(e), e);
        }
    }

    private void undoStart(NewSession fresh) {
        if (fresh.session != null) {
            tracker.forgetSession(fresh.id);
            unregister(fresh.session);
        } else if (fresh.claimedMark != null) {
            liveMarks.remove(fresh.claimedMark, fresh.id);
        }
        content.delete(fresh.contentId);
    }

    private void register(SessionRun session, FlowRun run) {
        sessions.put(session.id, session);
        if (session.triggerId != null && !session.mark.isEmpty()) {
            liveMarks.put(session.loggedMark, session.id);
        }
        sessionsPerFlow.computeIfAbsent(session.flowId, id -> new AtomicInteger()).incrementAndGet();
        if (run != null) {
            run.sessions.incrementAndGet();
        }
    }

    private void unregister(SessionRun session) {
        if (sessions.remove(session.id) == null) {
            return;
        }
        liveMarks.remove(session.loggedMark, session.id);
        AtomicInteger count = sessionsPerFlow.get(session.flowId);
        if (count != null) {
            count.decrementAndGet();
        }
        FlowRun run = session.run;
        if (run != null && run.sessions.decrementAndGet() == 0 && run.retired) {
            closeInstances(run);
        }
    }

    private LogEntry started(SessionRun session, UUID step, FlowObject input, String contentId, int attempt) {
        ProcessorDefinition processor = session.run.processors.get(step).definition;
        session.steps.put(step, new SessionRun.StepState(processor.name(), attempt, null, false));
        return LogEntry.stepStarted(session.id, session.flowId, step, processor.name(), contentId, input.metadata(),
                session.loggedMark, attempt, List.copyOf(session.outputs.keySet()));
    }

    /** Appends inside the gate, so a swap never misses an entry. */
    private void append(List<LogEntry> entries) throws WriteAheadLogException, InterruptedException {
        gate.enter();
        try {
            wal.appendAll(entries);
        } finally {
            gate.exit();
        }
    }

    private void dispatch(SessionRun session, UUID step, SessionRun.StepInput input) {
        if (stopped || session.ended()) {
            return;
        }
        try {
            workers.execute(() -> runStep(session, step, input));
        } catch (RejectedExecutionException e) {
            // stopping: the step is in the log and runs again after the next start
        }
    }

    private void later(Duration delay, Runnable task) {
        try {
            scheduler.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping: what the task would do is in the log and runs again after the next start
        }
    }

    private void runStep(SessionRun session, UUID step, SessionRun.StepInput input) {
        if (session.ended() || stopped) {
            return;
        }
        FlowRun run = session.run;
        FlowRun.ProcessorSlot slot = run.processors.get(step);
        ProcessorDefinition processor = slot.definition;
        Processor instance = slot.instance;
        int generation = slot.generation.get();
        if (processor.enabled() && instance == null) {
            park(session, step, input);
            return;
        }
        try {
            gate.enter();
        } catch (InterruptedException e) {
            return;
        }
        ThreadContext.put("flow", run.name());
        ThreadContext.put("session", session.id.toString());
        ThreadContext.put("processor", processor.name());
        try {
            session.steps.put(step, new SessionRun.StepState(processor.name(), input.attempt(), null, true));
            EngineContexts.Step context = new EngineContexts.Step(slot.context, session.id, input, content);
            Throwable failure = null;
            FlowObject output = input.object();
            if (processor.enabled()) {
                try {
                    output = execute(instance, input, context);
                } catch (Throwable e) {
                    failure = e;
                }
            }
            if (failure != null && stopped) {
                // interrupted by the stop: not a failure; the step is unfinished in the log and runs after the next start
                context.discardOutput();
                return;
            }
            if (failure != null && slot.generation.get() != generation) {
                // the provider went away under the step: not the processor's failure, no retry spent
                context.discardOutput();
                park(session, step, input);
                return;
            }
            if (failure != null) {
                context.discardOutput();
                failed(session, slot, input, failure);
                return;
            }
            completed(session, step, input, new FlowObject(output.metadata(), session.mark),
                    context.output().orElse(input.contentId()));
        } finally {
            ThreadContext.clearMap();
            gate.exit();
        }
    }

    private FlowObject execute(Processor instance, SessionRun.StepInput input, EngineContexts.Step context) throws Exception {
        Thread worker = Thread.currentThread();
        ScheduledFuture<?> watchdog = scheduler.schedule(() -> context.timeOut(worker), options.stepTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        FlowObject output;
        try {
            output = instance.process(input.object(), context);
        } finally {
            boolean timedOut = context.finish();
            watchdog.cancel(false);
            Thread.interrupted();
            if (timedOut) {
                throw new TimeoutException("step exceeded the step timeout of " + options.stepTimeout().toSeconds() + " s");
            }
        }
        if (output == null) {
            throw new IllegalStateException("processor returned no flow object (null)");
        }
        return output;
    }

    private void park(SessionRun session, UUID step, SessionRun.StepInput input) {
        FlowRun run = session.run;
        FlowRun.ProcessorSlot slot = run.processors.get(step);
        session.steps.put(step, new SessionRun.StepState(slot.definition.name(), input.attempt(), null, false));
        run.parked.add(() -> dispatch(session, step, input));
        if (slot.available()) {
            // the provider came back while parking: release what waits
            Runnable parked;
            while ((parked = run.parked.poll()) != null) {
                parked.run();
            }
        }
    }

    /**
     * A step ran: its completion, the starts of the steps it made ready and, when it was the last, the
     * session's end go to the log in one write (one force under {@code always}), then the ready steps run.
     */
    private void completed(SessionRun session, UUID step, SessionRun.StepInput input, FlowObject output,
            String outputContent) {
        FlowRun run = session.run;
        ProcessorDefinition processor = run.processors.get(step).definition;
        List<LogEntry> entries = new ArrayList<>();
        entries.add(LogEntry.stepCompleted(session.id, session.flowId, step, processor.name(), outputContent,
                output.metadata(), session.loggedMark, input.attempt()));
        session.holdContent(outputContent);
        session.outputs.put(step, new SessionRun.StepData(output, outputContent));
        session.steps.remove(step);
        StepCompletion completion = tracker.completeStep(session.id, step, run.graph.next(step));
        Map<UUID, SessionRun.StepInput> ready = new LinkedHashMap<>();
        for (UUID readyStep : completion.readySteps()) {
            SessionRun.StepData data = inputOf(session, readyStep);
            ready.put(readyStep, new SessionRun.StepInput(data.object(), data.contentId(), 0));
            entries.add(started(session, readyStep, data.object(), data.contentId(), 0));
        }
        if (completion.sessionComplete() && session.triggerId == null) {
            entries.add(LogEntry.sessionFinished(session.id, session.flowId, session.loggedMark, ""));
        }
        logThenContinue(session, entries, ready, completion.sessionComplete(), false,
                (rejected, insideGate) -> failUnloggable(session, processor, input, "the output of step " + processor.name()
                        + " (with the inputs of the steps it makes ready)", rejected, insideGate));
    }

    /**
     * Logs a step's completion and the next starts (and the session's end), then runs them. A failed
     * write is retried until the log takes it: the tracker already counts the step done and its
     * successors pending, and none of them may run unlogged. If the engine stops first, the log
     * still shows the step started, so it runs again after the restart (its unlogged output is swept).
     * Entries the log refuses as they are (too large for it) would be refused forever: {@code whenRejected}
     * (if not null) takes them instead, and fails the session.
     */
    private void logThenContinue(SessionRun session, List<LogEntry> entries, Map<UUID, SessionRun.StepInput> ready,
            boolean sessionComplete, boolean insideGate, WhenRejected whenRejected) {
        try {
            if (entries.isEmpty()) {
                // nothing to log (a recovered session whose steps all completed)
            } else if (insideGate) {
                append(entries);
            } else {
                wal.appendAll(entries);
            }
        } catch (WriteAheadLogException | RuntimeException e) {
            if (e instanceof EntryRejectedException rejected && whenRejected != null) {
                whenRejected.fail(rejected, insideGate);
                return;
            }
            LOG.error("could not log the next steps of session {}; retrying in {} s: {}", session.id, WAL_RETRY.toSeconds(),
                    e.getMessage());
            later(WAL_RETRY, () -> logThenContinue(session, entries, ready, sessionComplete, true, whenRejected));
            return;
        } catch (InterruptedException e) {
            return;
        }
        ready.forEach((step, input) -> dispatch(session, step, input));
        if (sessionComplete) {
            if (session.triggerId == null) {
                ended(session, "");
            } else {
                tellTrigger(session, "");
                logEnd(session, "", insideGate);
            }
        }
    }

    /**
     * Logs a session's end, retrying until the log takes it, then cleans up. A session started by a
     * trigger is logged as finished only after its trigger was told, so a crash in between tells
     * the trigger again after the restart: triggers hear about each session at least once.
     */
    private void logEnd(SessionRun session, String error, boolean insideGate) {
        logEnd(session, error, error, insideGate);
    }

    /** @param loggedError {@code error}, or its start if the log refused the whole text */
    private void logEnd(SessionRun session, String error, String loggedError, boolean insideGate) {
        List<LogEntry> end = List.of(LogEntry.sessionFinished(session.id, session.flowId, session.loggedMark, loggedError));
        try {
            if (insideGate) {
                append(end);
            } else {
                wal.appendAll(end);
            }
        } catch (WriteAheadLogException | RuntimeException e) {
            if (e instanceof EntryRejectedException && loggedError.length() > ERROR_KEPT_WHEN_REFUSED) {
                // only the error text can make an end too large (its trigger mark was logged with the start):
                // the log keeps the start of it; the engine's log, the listeners and the trigger get all of it
                logEnd(session, error, loggedError.substring(0, ERROR_KEPT_WHEN_REFUSED) + " … (cut to "
                        + ERROR_KEPT_WHEN_REFUSED + " of " + loggedError.length() + " characters: the write-ahead log refused the whole text)",
                        insideGate);
                return;
            }
            LOG.error("could not log the end of session {}; retrying in {} s: {}", session.id, WAL_RETRY.toSeconds(),
                    e.getMessage());
            later(WAL_RETRY, () -> logEnd(session, error, loggedError, true));
            return;
        } catch (InterruptedException e) {
            return;
        }
        ended(session, error);
    }

    /** A join merges its predecessors' outputs; any other step takes its predecessor's. */
    private SessionRun.StepData inputOf(SessionRun session, UUID step) {
        List<SessionRun.StepData> inputs = new ArrayList<>();
        for (UUID predecessor : session.run.graph.previous(step)) {
            SessionRun.StepData output = session.outputs.get(predecessor);
            if (output != null) {
                inputs.add(output);
            }
        }
        if (inputs.size() == 1) {
            return inputs.get(0);
        }
        Map<String, Object> merged = new LinkedHashMap<>();
        String contentId = "";
        for (SessionRun.StepData input : inputs) {
            merged.putAll(input.object().metadata());
            if (contentId.isEmpty()) {
                contentId = input.contentId();
            }
        }
        return new SessionRun.StepData(new FlowObject(merged, session.mark), contentId);
    }

    private void failed(SessionRun session, FlowRun.ProcessorSlot slot, SessionRun.StepInput input, Throwable failure) {
        ProcessorDefinition processor = slot.definition;
        UUID step = processor.id();
        if (input.attempt() < processor.maxRetries()) {
            int next = input.attempt() + 1;
            Duration delay = backoff.delay(processor, input.attempt());
            LOG.warn("step {} failed (attempt {} of {}), retrying in {} s: {}", processor.name(), input.attempt() + 1,
                    processor.maxRetries() + 1, delay.toSeconds(), failure.toString());
            try {
                wal.append(LogEntry.stepStarted(session.id, session.flowId, step, processor.name(), input.contentId(),
                        input.object().metadata(), session.loggedMark, next, List.copyOf(session.outputs.keySet())));
            } catch (WriteAheadLogException | RuntimeException e) {
                if (e instanceof EntryRejectedException rejected) {
                    failUnloggable(session, processor, input, "the retry of step " + processor.name(), rejected, false);
                    return;
                }
                LOG.error("could not log the retry of step {} of session {}; trying again in {} s: {}", processor.name(),
                        session.id, WAL_RETRY.toSeconds(), e.getMessage());
                later(WAL_RETRY, () -> dispatch(session, step, input));
                return;
            }
            session.steps.put(step, new SessionRun.StepState(processor.name(), next, Instant.now().plus(delay), false));
            later(delay, () -> dispatch(session, step, input.withAttempt(next)));
            return;
        }
        String error = "processor " + processor.name() + " (type " + processor.type() + ") failed after "
                + (input.attempt() + 1) + (input.attempt() == 0 ? " attempt: " : " attempts: ") + describe(failure);
        LOG.error("session {} failed: {}", session.id, error);
        failSession(session, processor, input, error, false);
    }

    /** How a session ends when the log refuses its entries as they are; {@code insideGate} as the refused write had it. */
    private interface WhenRejected {
        void fail(EntryRejectedException rejected, boolean insideGate);
    }

    /** The log refused an entry as it is: retrying cannot help, so the session fails, saying why. */
    private void failUnloggable(SessionRun session, ProcessorDefinition processor, SessionRun.StepInput input, String what,
            EntryRejectedException rejected, boolean insideGate) {
        String error = what + " could not be logged: " + rejected.getMessage();
        LOG.error("session {} failed: {}", session.id, error);
        failSession(session, processor, input, error, insideGate);
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private void failSession(SessionRun session, ProcessorDefinition processor, SessionRun.StepInput input, String error,
            boolean insideGate) {
        if (session.ended()) {
            return;
        }
        try {
            failed.keep(new FailedSessionStore.FailedSession(session.id, session.flowId, session.run.name(), processor.id(),
                    processor.name(), input.attempt(), error, input.object().metadata(), session.mark,
                    session.startedAt.toString(), Instant.now().toString(), !input.contentId().isEmpty()), content, input.contentId());
        } catch (IOException | RuntimeException e) {
            LOG.error("could not keep the input of failed session {} for inspection: {}", session.id, e.getMessage());
        }
        tracker.forgetSession(session.id);
        tellTrigger(session, error);
        logEnd(session, error, insideGate);
    }

    /** Tells the trigger that started a session that it ended (before the end is logged). */
    private void tellTrigger(SessionRun session, String error) {
        FlowRun.TriggerSlot trigger = session.triggerId == null ? null : triggerOf(session.run, session.triggerId);
        TriggerProcessor instance = trigger == null ? null : trigger.instance;
        if (instance == null) {
            return;
        }
        try {
            instance.sessionEnded(new SessionUpdate(session.id, session.flowId, true, error, session.mark));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("trigger {} failed to take the end of session {}: {}", trigger.definition.name(), session.id, e.toString());
        }
    }

    /** Cleans up after a session whose end is logged, and tells the session listeners. */
    private void ended(SessionRun session, String error) {
        if (!session.end()) {
            return;
        }
        session.contentIds.forEach(content::delete);
        unregister(session);
        SessionUpdate update = new SessionUpdate(session.id, session.flowId, true, error, session.mark);
        for (SessionListener listener : listeners) {
            try {
                listener.sessionUpdated(update);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("session listener {} failed: {}", listener, e.toString());
            }
        }
    }

    /** The trigger that started a session: in its own run, or (after a restart) in the flow's active run. */
    private FlowRun.TriggerSlot triggerOf(FlowRun run, UUID triggerId) {
        FlowRun.TriggerSlot slot = run == null ? null : run.triggers.get(triggerId);
        if (slot == null || slot.instance == null) {
            FlowRun active = run == null ? null : activeFlows.get(run.id());
            if (active != null) {
                slot = active.triggers.get(triggerId);
            }
        }
        return slot;
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Takes over the unfinished sessions of log entries: each waits until its flow is active and
     * ready, then resumes.
     *
     * @return how many sessions were taken over
     */
    private int adopt(List<LogEntry> live) {
        Map<UUID, List<LogEntry>> bySession = new LinkedHashMap<>();
        for (LogEntry entry : live) {
            if (!sessions.containsKey(entry.sessionId())) {
                bySession.computeIfAbsent(entry.sessionId(), id -> new ArrayList<>()).add(entry);
            }
        }
        for (Map.Entry<UUID, List<LogEntry>> recovered : bySession.entrySet()) {
            List<LogEntry> entries = recovered.getValue();
            LogEntry first = entries.get(0);
            TriggerMarks marks = TriggerMarks.decode(first.triggerMark());
            SessionRun session = new SessionRun(recovered.getKey(), first.flowId(), marks.triggerId(), marks.mark(),
                    Instant.now(), null);
            session.recoveredEntries = entries;
            for (LogEntry entry : entries) {
                session.holdContent(entry.contentId());
                if (entry.kind() == LogEntry.Kind.STEP_STARTED) {
                    session.steps.put(entry.processorId(), new SessionRun.StepState(entry.processorName(), entry.attempt(), null, false));
                }
            }
            register(session, null);
            awaitingFlow.computeIfAbsent(first.flowId(), id -> ConcurrentHashMap.newKeySet()).add(session);
        }
        List<FlowRun> runs = new ArrayList<>(activeFlows.values());
        runs.stream().filter(FlowRun::ready).forEach(this::resumeRecovered);
        return bySession.size();
    }

    private void resumeRecovered(FlowRun run) {
        Set<SessionRun> waiting = awaitingFlow.remove(run.id());
        if (waiting == null) {
            return;
        }
        for (SessionRun session : waiting) {
            try {
                resume(session, run);
            } catch (RuntimeException e) {
                LOG.error("session {} could not be recovered on {}: {}", session.id, run, e.toString());
            }
        }
    }

    private void resume(SessionRun session, FlowRun run) {
        List<LogEntry> entries = session.recoveredEntries;
        session.recoveredEntries = null;
        session.run = run;
        run.sessions.incrementAndGet();
        Map<UUID, SessionRun.StepData> completed = new LinkedHashMap<>();
        Map<UUID, LogEntry> started = new LinkedHashMap<>();
        for (LogEntry entry : entries) {
            if (entry.kind() == LogEntry.Kind.STEP_STARTED) {
                started.put(entry.processorId(), entry);
            } else if (entry.kind() == LogEntry.Kind.STEP_COMPLETED) {
                completed.put(entry.processorId(), new SessionRun.StepData(new FlowObject(entry.metadata(), session.mark),
                        entry.contentId()));
            }
        }
        started.keySet().removeAll(completed.keySet());
        for (UUID step : concat(completed.keySet(), started.keySet())) {
            if (!run.processors.containsKey(step)) {
                LogEntry last = entries.get(entries.size() - 1);
                ProcessorDefinition gone = ProcessorDefinition.builder().id(step).name(last.processorName()).type("?").build();
                failSession(session, gone, new SessionRun.StepInput(new FlowObject(last.metadata(), session.mark), last.contentId(), last.attempt()),
                        "cannot recover: step " + step + " of the session is not in the current definition of " + run, true);
                return;
            }
        }
        session.outputs.putAll(completed);
        session.steps.clear();
        List<UUID> newlyReady = tracker.restoreSession(session.id, run.graph, completed.keySet(), started.keySet());
        Map<UUID, SessionRun.StepInput> ready = new LinkedHashMap<>();
        List<LogEntry> next = new ArrayList<>();
        for (UUID step : newlyReady) {
            SessionRun.StepData data = inputOf(session, step);
            ready.put(step, new SessionRun.StepInput(data.object(), data.contentId(), 0));
            next.add(started(session, step, data.object(), data.contentId(), 0));
        }
        for (LogEntry pending : started.values()) {
            FlowObject input = new FlowObject(pending.metadata(), session.mark);
            ready.put(pending.processorId(), new SessionRun.StepInput(input, pending.contentId(), pending.attempt()));
            session.steps.put(pending.processorId(), new SessionRun.StepState(pending.processorName(), pending.attempt(), null, false));
        }
        boolean complete = started.isEmpty() && newlyReady.isEmpty();
        if (complete && session.triggerId == null) {
            next.add(LogEntry.sessionFinished(session.id, session.flowId, session.loggedMark, ""));
        }
        if (next.isEmpty() && !complete) {
            ready.forEach((step, input) -> dispatch(session, step, input));
        } else {
            // what the log may refuse here is a join's input, merged from outputs it took one by one
            UUID joined = newlyReady.isEmpty() ? null : newlyReady.get(0);
            logThenContinue(session, next, ready, complete, true, joined == null ? null
                    : (rejected, insideGate) -> failUnloggable(session, run.processors.get(joined).definition, ready.get(joined),
                            "the input of step " + run.processors.get(joined).definition.name(), rejected, insideGate));
        }
    }

    private static List<UUID> concat(Collection<UUID> a, Collection<UUID> b) {
        List<UUID> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    // ---------------------------------------------------------------- visibility

    @Override
    public List<SessionInfo> sessionsInProgress() {
        return sessions.values().stream().filter(session -> !session.ended()).map(SessionRun::info).toList();
    }

    @Override
    public List<SessionInfo> failedSessions() {
        return failed.list().stream().map(FailedSessionStore::info).toList();
    }

    /** The flows active now, with the processor types each still waits for (empty when running). */
    public Map<FlowDefinition, List<String>> activeFlows() {
        Map<FlowDefinition, List<String>> flows = new LinkedHashMap<>();
        activeFlows.values().forEach(run -> flows.put(run.definition, run.missingTypes()));
        return flows;
    }

    /** Where failed sessions are kept. */
    public Path failedDirectory() {
        return options.workDirectory().resolve("failed");
    }
}
