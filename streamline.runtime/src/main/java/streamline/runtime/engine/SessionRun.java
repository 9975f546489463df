package streamline.runtime.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import streamline.api.engine.SessionInfo;
import streamline.api.engine.StepInfo;
import streamline.api.processor.FlowObject;
import streamline.api.wal.LogEntry;

/**
 * One session in progress: the flow activation it runs on (the definition it started with), its
 * trigger, the outputs of its completed steps (joins merge them), the content it holds, and what
 * each current step is doing. Its branches run concurrently, so everything here is thread-safe.
 */
final class SessionRun {

    /** A step's input or output: metadata plus content id ({@code ""} for none). */
    record StepData(FlowObject object, String contentId) {
    }

    /**
     * A step about to run, with the attempt it is on, and when it began to wait if the log says it waits (recovered),
     * else null.
     */
    record StepInput(FlowObject object, String contentId, int attempt, Instant waitingSince) {
        StepInput(FlowObject object, String contentId, int attempt) {
            this(object, contentId, attempt, null);
        }

        /** The next attempt: a wait before it does not count for it. */
        StepInput withAttempt(int next) {
            return new StepInput(object, contentId, next);
        }
    }

    /** What a current step is doing, for {@code Engine#sessionsInProgress}. */
    record StepState(String processorName, int attempt, Instant nextRetryAt, boolean running) {
    }

    /**
     * A step that said "not now": what it waits for, since when, how often it said so (in this run of the engine), and
     * whether its log says since when.
     */
    record Waiting(String processorName, String reason, Instant since, int waits, boolean logged) {
    }

    final UUID id;
    final UUID flowId;
    final UUID triggerId;
    final String mark;
    /** The (trigger, mark) as live sessions are indexed by it. */
    final String markKey;
    /** The version of its flow it started on ({@link FlowVersions}), or null if its start named none (an older log). */
    final String version;
    /** The trigger mark its log entries carry: trigger, version and mark ({@link TriggerMarks}). */
    final String loggedMark;
    final Instant startedAt;
    volatile FlowRun run;
    /** The entries a recovered session was rebuilt from, until its flow is active again. */
    volatile List<LogEntry> recoveredEntries;
    final Map<UUID, StepData> outputs = new ConcurrentHashMap<>();
    final Set<String> contentIds = ConcurrentHashMap.newKeySet();
    /**
     * Once every step of the session is logged complete: that write. Once it is durable, a crash that loses the session's
     * end makes its rerun only end it again, without running a step, so its content is no longer needed.
     */
    volatile StepJournal.Written stepsLogged;
    final Map<UUID, StepState> steps = new ConcurrentHashMap<>();
    /** Its steps that wait for the world to be ready, by step. */
    final Map<UUID, Waiting> waiting = new ConcurrentHashMap<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    /**
     * Held while the session is given up as failed ({@link #giveUp}, before its end is logged) and while a
     * step's start is logged again (its next attempt, or its wait's start): that entry then lands before the session's
     * end or not at all, never after it (where the log would take the session as started again).
     */
    final Object failing = new Object();
    /**
     * Held from the branch tracker's count of a step's completion until the write that logs it returned, or failed and
     * left it in {@link #unlogged}: the log then holds the session's steps in the order the tracker counted them. A
     * branch's write that overtook an earlier branch's completion (a join's start, the session's end) would survive a
     * crash that lost that completion, and the earlier step's rerun would find its successor scheduled already; a
     * completion logged after the end would make the log take the session as started again.
     */
    final java.util.concurrent.locks.ReentrantLock logOrder = new java.util.concurrent.locks.ReentrantLock();
    /** Completions the tracker counted whose write failed: the session's next such write carries them first, or their retry. Guarded by {@link #logOrder}. */
    StepRunner.Unlogged unlogged;
    /** Set, holding {@link #failing}, by the first failure that ends the session: the others leave its record and end be. */
    private volatile boolean givenUp;

    SessionRun(UUID id, UUID flowId, UUID triggerId, String mark, String version, Instant startedAt, FlowRun run) {
        this.id = id;
        this.flowId = flowId;
        this.triggerId = triggerId;
        this.mark = mark;
        this.markKey = TriggerMarks.encode(triggerId, mark);
        this.version = version;
        this.loggedMark = TriggerMarks.encode(triggerId, mark, version);
        this.startedAt = startedAt;
        this.run = run;
    }

    /** Marks the session ended; true only for the first caller, who then does the ending. */
    boolean end() {
        return ended.compareAndSet(false, true);
    }

    boolean ended() {
        return ended.get();
    }

    /**
     * The session fails: true only for the first caller (holding {@link #failing}), who then keeps its record and
     * ends it.
     */
    boolean giveUp() {
        if (givenUp || ended()) {
            return false;
        }
        givenUp = true;
        return true;
    }

    /** Whether the session ended or is failing: nothing more of it is logged but its end. */
    boolean over() {
        return givenUp || ended();
    }

    /**
     * A step of this session starts (first attempt or a later one): records it as waiting to run and
     * gives the entry that logs it, with the steps completed so far.
     */
    LogEntry started(UUID step, FlowObject input, String contentId, int attempt) {
        String name = run.processors.get(step).definition.name();
        steps.put(step, new StepState(name, attempt, null, false));
        return LogEntry.stepStarted(id, flowId, step, name, contentId, input.metadata(), loggedMark, attempt,
                List.copyOf(outputs.keySet()));
    }

    /** The entry that logs a waiting step's start again, saying since when it waits ({@link StepWaits#describeStart}). */
    LogEntry waitingStart(UUID step, StepInput input, String waitingSince) {
        String name = run.processors.get(step).definition.name();
        return new LogEntry(0, LogEntry.Kind.STEP_STARTED, id, flowId, step, name, input.contentId(), input.object().metadata(),
                loggedMark, input.attempt(), List.copyOf(outputs.keySet()), waitingSince);
    }

    void holdContent(String contentId) {
        if (!contentId.isEmpty()) {
            contentIds.add(contentId);
        }
    }

    SessionInfo info() {
        List<StepInfo> current = new ArrayList<>();
        boolean running = false;
        for (Map.Entry<UUID, StepState> step : steps.entrySet()) {
            StepState state = step.getValue();
            running |= state.running();
            current.add(new StepInfo(step.getKey(), state.processorName(), state.attempt(), state.nextRetryAt()));
        }
        return new SessionInfo(id, flowId, running ? SessionInfo.Status.RUNNING : SessionInfo.Status.WAITING, current,
                startedAt, "");
    }

    /** A join merges its predecessors' outputs; any other step takes its predecessor's. */
    StepData inputOf(UUID step) {
        List<StepData> inputs = new ArrayList<>();
        for (UUID predecessor : run.graph.previous(step)) {
            StepData output = outputs.get(predecessor);
            if (output != null) {
                inputs.add(output);
            }
        }
        if (inputs.size() == 1) {
            return inputs.get(0);
        }
        Map<String, Object> merged = new LinkedHashMap<>();
        String contentId = "";
        for (StepData input : inputs) {
            merged.putAll(input.object().metadata());
            if (contentId.isEmpty()) {
                contentId = input.contentId();
            }
        }
        return new StepData(new FlowObject(merged, mark), contentId);
    }
}
