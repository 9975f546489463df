package streamline.runtime.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.engine.Engine;
import streamline.api.engine.EngineException;
import streamline.api.engine.SessionInfo;
import streamline.api.engine.SessionListener;
import streamline.api.engine.TriggerCoordinator;
import streamline.api.engine.WaitingSessions;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.processor.ContentSource;
import streamline.api.processor.FlowObject;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.TriggerResult;
import streamline.api.track.BranchTracker;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * The engine: follows a flow store and activates its active flows, runs their triggers, runs every
 * session's steps on a worker pool, writes every step to the write-ahead log, recovers unfinished
 * steps, and moves to another log or flow store while running or between runs. Plain Java, so it runs
 * and is tested without a framework; {@code streamline.runtime.osgi.EngineComponent} is its OSGi face.
 *
 * <p>This class keeps the order of starting and stopping and answers the API; {@link EngineParts} wires the parts,
 * {@link EngineThreads} holds the threads they run on, {@link LogAdoption} is a start's work on the log it uses.
 * Each part owns its state:
 * <ul>
 * <li>{@link FlowActivation}: which flows run, and their activations ({@link FlowRun});</li>
 * <li>{@link StepJournal}: the only writer to the log, and the gate a switch of logs closes;</li>
 * <li>{@link SessionStarts}: new sessions, a trigger's items as one unit, one live session per (trigger, mark);</li>
 * <li>{@link StepRunner}: a step on a worker, its timeout, its completion and the steps it makes ready;</li>
 * <li>{@link TriggerSessions}: what the triggers see of the sessions;</li>
 * <li>{@link SessionOutcomes}: retries, failed sessions, telling triggers and listeners of ends;</li>
 * <li>{@link Recovery}: the unfinished sessions of a log, resumed once their flows run;</li>
 * <li>{@link Switches}: carrying sessions and flows to another log or store;</li>
 * <li>{@link LiveSessions}: the sessions in progress.</li>
 * </ul>
 * Lock order: the journal's gate, then the flow activations' lock; nothing takes the gate while holding
 * that lock.
 *
 * <h2>A step</h2>
 * A step's {@code STEP_STARTED} entry is logged before it is handed to a worker (together with the
 * completion of the step before it, or the session's start). The worker runs the processor with a
 * timeout, then logs {@code STEP_COMPLETED}, asks the tracker which steps became ready, and logs
 * their starts (and {@code SESSION_FINISHED} when none is left) before dispatching them. A failure is
 * retried after its backoff with a new {@code STEP_STARTED} carrying the next attempt, so the count
 * survives a restart; the last failure ends the session as failed.
 *
 * <h2>Joins</h2>
 * A join runs once per session, when the tracker says every predecessor reached in the session
 * completed. Its input metadata merges the predecessors' outputs in the flow's predecessor order
 * (the order of the processors in the definition): a key set by several takes the value of the last.
 * Its content is the content of the first predecessor, in that order, that has content.
 */
public final class StreamlineEngine implements Engine {

    private static final Logger LOG = LogManager.getLogger(StreamlineEngine.class);
    /** How often a submitted item is tried on a flow re-activated while it was being started. */
    private static final int SUBMIT_ATTEMPTS = 3;

    private final EngineOptions options;
    private final BranchTracker tracker;
    private final ProcessorRegistry registry;
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private final EngineParts parts;

    private volatile TriggerCoordinator coordinator;
    private volatile boolean stopped;

    public StreamlineEngine(EngineOptions options, BranchTracker tracker, ProcessorRegistry registry) throws IOException {
        this.options = Objects.requireNonNull(options, "options");
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.parts = new EngineParts(options, tracker, registry, listeners, () -> coordinator, () -> stopped);
    }

    public EngineOptions options() {
        return options;
    }

    /** Starts on a log and a flow store that the engine does not record by name (tests, benchmarks). */
    public void start(WriteAheadLog log, FlowManager store) throws WriteAheadLogException, IOException {
        try {
            start(Named.unnamed(log), Named.unnamed(store), KnownServices.NONE);
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
    public void start(Named<WriteAheadLog> log, Named<FlowManager> store, KnownServices known)
            throws WriteAheadLogException, IOException, PreviousUnavailableException {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(store, "store");
        parts.switches.carryFromPrevious(log, store, known);
        parts.journal.use(log.service());
        parts.adoption.adopt(log.service());
        parts.flows.start(store.service());
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
        parts.runner.stopping();
        registry.listen(null);
        parts.flows.stopTriggers();
        try {
            if (!parts.journal.close(options.stopGrace())) {
                LOG.warn("steps still running after {} s; interrupting them, they run again after the next start",
                        options.stopGrace().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // the grace is over: a step still running past it may finish later, but the next engine may read the log by then
        parts.journal.retire();
        parts.threads.shutdownNow();
        try {
            parts.threads.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        parts.flows.closeAll();
        // the tracker is a shared service: leave nothing of ours behind in it
        int unfinished = parts.live.all().size();
        parts.live.all().forEach(session -> tracker.forgetSession(session.id));
        parts.live.clear();
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

    /** The log in use now; null while the one in use went away and no other came yet. */
    public WriteAheadLog wal() {
        return parts.journal.log();
    }

    /** As {@link #swapWal(Named)}, for a log the engine does not record by name. */
    public void swapWal(WriteAheadLog next) throws WriteAheadLogException {
        swapWal(Named.unnamed(next));
    }

    /**
     * Moves to another log while running: quiesces (no step starts, running steps finish and are
     * logged), copies the unfinished sessions' entries into the new log, hands them over in the old
     * one, switches and resumes. Sessions the new log already held unfinished are recovered too.
     *
     * @throws WriteAheadLogException if the new log could not take the sessions; the old one stays in use
     */
    public void swapWal(Named<WriteAheadLog> next) throws WriteAheadLogException {
        if (!stopped) {
            parts.switches.swapWal(next);
        }
    }

    /**
     * The log in use goes away before a replacement came: quiesce and keep its unfinished sessions'
     * entries in memory, to hand them to the next log; steps wait until one comes.
     */
    public void detachWal(WriteAheadLog leaving) {
        if (!stopped) {
            parts.switches.detachWal(leaving);
        }
    }

    /**
     * A log's service is registered (again) while the engine runs on another: if sessions were carried out of it while
     * it was away, it is told now that they were handed over, looked up among {@code known} only then.
     */
    public void logPresent(String name, KnownServices known) {
        if (!stopped) {
            parts.switches.logPresent(name, known);
        }
    }

    /** As {@link #setFlowManager(Named)}, for a store the engine does not record by name. */
    public void setFlowManager(FlowManager store) {
        setFlowManager(Named.unnamed(store));
    }

    /** Switches to another flow store, carrying the flows of the one in use over first, so that no flow stops. */
    public void setFlowManager(Named<FlowManager> store) {
        parts.switches.switchFlowStore(store);
    }

    @Override
    public UUID submit(UUID flowId, FlowObject item, ContentSource source) throws EngineException {
        for (int attempt = 1; ; attempt++) {
            FlowRun run = parts.flows.active(flowId);
            if (run == null || !run.ready()) {
                throw new EngineException("flow " + flowId + (run == null ? " is not active" : " waits for processor types " + run.missingTypes()));
            }
            ItemOutcome outcome = parts.starts.start(run, null, List.of(new TriggerResult(item.metadata(), item.triggerMark(), source))).get(0);
            if (outcome.accepted()) {
                return outcome.sessionId();
            }
            if (!run.retired || attempt == SUBMIT_ATTEMPTS) {
                throw new EngineException(outcome.reason());
            }
            // the flow was re-activated meanwhile: the item starts on the run that replaced this one
        }
    }

    @Override
    public List<SessionInfo> sessionsInProgress() {
        return parts.live.all().stream().filter(session -> !session.ended()).map(SessionRun::info).toList();
    }

    @Override
    public List<WaitingSessions> waitingSessions() {
        return WaitingCount.of(parts.live.all());
    }

    @Override
    public UUID retryFailed(UUID failedSessionId) throws EngineException {
        if (stopped) {
            throw new EngineException("the engine is stopped");
        }
        return parts.retries.retry(Objects.requireNonNull(failedSessionId, "failedSessionId"));
    }

    @Override
    public void discardFailed(UUID failedSessionId) throws EngineException {
        parts.retries.discard(Objects.requireNonNull(failedSessionId, "failedSessionId"));
    }

    @Override
    public List<SessionInfo> failedSessions() {
        return parts.failed.list().stream().map(FailedSessionStore::info).toList();
    }

    /** Whether the journal's gate is closed: a stop or a switch of logs is under way (tests of this package wait on it). */
    boolean gateClosed() {
        return parts.journal.closed();
    }

    /** The runs of the flows active now (tests of this package look into them; nothing else calls it). */
    List<FlowRun> activeRuns() {
        return parts.flows.activeRuns();
    }

    /** The flows active now, with the processor types each still waits for (empty when running). */
    public Map<FlowDefinition, List<String>> activeFlows() {
        return parts.flows.activeDefinitions();
    }

    /** Where failed sessions are kept. */
    public Path failedDirectory() {
        return options.workDirectory().resolve("failed");
    }
}
