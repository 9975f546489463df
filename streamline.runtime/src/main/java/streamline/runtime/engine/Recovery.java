package streamline.runtime.engine;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.FlowObject;
import streamline.api.track.BranchTracker;
import streamline.api.wal.LogEntry;

/**
 * Takes over the unfinished sessions of a log (at start, or those a log switched to still held):
 * each waits until its flow is active and complete, then resumes. Completed steps are not run again,
 * started ones run again with their recorded attempt, and a successor whose start was never logged
 * is logged and run.
 */
final class Recovery {

    private static final Logger LOG = LogManager.getLogger(Recovery.class);

    private final LiveSessions live;
    private final FlowActivation flows;
    private final BranchTracker tracker;
    private final StepRunner runner;
    private final SessionOutcomes outcomes;
    /** Recovered sessions whose flow is not active (or not ready) yet, by flow. */
    private final Map<UUID, Set<SessionRun>> awaitingFlow = new ConcurrentHashMap<>();
    /** Recovered sessions admitted to a run of their earlier version that is not complete yet, by that run. */
    private final Map<FlowRun, Set<SessionRun>> awaitingVersion = new ConcurrentHashMap<>();

    Recovery(LiveSessions live, FlowActivation flows, BranchTracker tracker, StepRunner runner, SessionOutcomes outcomes) {
        this.live = live;
        this.flows = flows;
        this.tracker = tracker;
        this.runner = runner;
        this.outcomes = outcomes;
    }

    /**
     * Takes over the unfinished sessions of log entries: each waits until its flow is active and
     * ready, then resumes.
     *
     * @return how many sessions were taken over
     */
    int adopt(List<LogEntry> unfinished) {
        Map<UUID, List<LogEntry>> bySession = new LinkedHashMap<>();
        for (LogEntry entry : unfinished) {
            if (!live.contains(entry.sessionId())) {
                bySession.computeIfAbsent(entry.sessionId(), id -> new ArrayList<>()).add(entry);
            }
        }
        for (Map.Entry<UUID, List<LogEntry>> recovered : bySession.entrySet()) {
            List<LogEntry> entries = recovered.getValue();
            LogEntry first = entries.get(0);
            TriggerMarks marks = TriggerMarks.decode(first.triggerMark());
            SessionRun session = new SessionRun(recovered.getKey(), first.flowId(), marks.triggerId(), marks.mark(),
                    marks.version(), Instant.now(), null);
            session.recoveredEntries = entries;
            for (LogEntry entry : entries) {
                session.holdContent(entry.contentId());
                if (entry.kind() == LogEntry.Kind.STEP_STARTED) {
                    session.steps.put(entry.processorId(), new SessionRun.StepState(entry.processorName(), entry.attempt(), null, false));
                }
            }
            live.add(session, null);
            awaitingFlow.computeIfAbsent(first.flowId(), id -> ConcurrentHashMap.newKeySet()).add(session);
        }
        List<FlowRun> runs = flows.activeRuns();
        runs.stream().filter(FlowRun::ready).forEach(this::resume);
        return bySession.size();
    }

    /**
     * The completions of the live sessions' steps, as the engine holds them: for a log that comes back after it went away
     * with a failed force, which cut what it did not cover (completions appended unforced) while the sessions went on.
     * Sessions still waiting to be recovered, or over, have nothing to add.
     */
    List<LogEntry> completedSteps() {
        List<LogEntry> entries = new ArrayList<>();
        for (SessionRun session : live.all()) {
            FlowRun run = session.run;
            if (run == null || session.recoveredEntries != null || session.over()) {
                continue;
            }
            session.outputs.forEach((step, output) -> {
                FlowRun.ProcessorSlot slot = run.processors.get(step);
                entries.add(LogEntry.stepCompleted(session.id, session.flowId, step, slot == null ? "" : slot.definition.name(),
                        output.contentId(), output.object().metadata(), session.loggedMark, 0));
            });
        }
        return entries;
    }

    /**
     * A flow's run is complete: its recovered sessions resume, each on the version it started on: this run when it is
     * that version (or the session names none, from an older log), else a run of its own version.
     */
    void resume(FlowRun run) {
        if (run.forRecovery) {
            Set<SessionRun> admitted = awaitingVersion.remove(run);
            if (admitted != null) {
                admitted.forEach(session -> resumeLogged(session, run, true, null));
            }
            return;
        }
        Set<SessionRun> waiting = awaitingFlow.remove(run.id());
        if (waiting == null) {
            return;
        }
        Map<String, List<SessionRun>> otherVersions = new LinkedHashMap<>();
        for (SessionRun session : waiting) {
            if (session.version == null || session.version.equals(run.version)) {
                resumeLogged(session, run, false, null);
            } else {
                otherVersions.computeIfAbsent(session.version, version -> new ArrayList<>()).add(session);
            }
        }
        otherVersions.forEach((version, sessions) -> resumeOnVersion(run, version, sessions));
    }

    /** Sessions that started on another version of the flow than its active run's resume on a run of theirs. */
    private void resumeOnVersion(FlowRun current, String version, List<SessionRun> sessions) {
        FlowRun own;
        String cannot;
        try {
            own = flows.runOfVersion(current.id(), version, sessions.size());
            cannot = own != null ? null : "the definition of version " + version + " of flow " + current.name() + " ("
                    + current.id() + "), which the session started on, is no longer kept in the engine's work directory";
        } catch (IOException | RuntimeException e) {
            own = null;
            cannot = "version " + version + " of flow " + current.name() + " (" + current.id() + "), which the session started on, "
                    + "cannot run again: " + e.getMessage();
        }
        if (own == null) {
            // failed on the active run, their input kept for a retry
            for (SessionRun session : sessions) {
                resumeLogged(session, current, false, "cannot recover session " + session.id + ": " + cannot);
            }
            return;
        }
        for (SessionRun session : sessions) {
            session.run = own; // counted on it: its end closes the run with its last session
        }
        awaitingVersion.computeIfAbsent(own, run -> ConcurrentHashMap.newKeySet()).addAll(sessions);
        if (own.ready()) {
            resume(own);
        } else {
            LOG.warn("{} waits for processor types without a provider to recover {} sessions: {}", own, sessions.size(),
                    own.missingTypes());
        }
    }

    private void resumeLogged(SessionRun session, FlowRun run, boolean admitted, String cannotRecover) {
        try (LogContext context = LogContext.of(run, session.id, null, null)) {
            resumeSession(session, run, admitted, cannotRecover);
        } catch (RuntimeException e) {
            LOG.error("session {} could not be recovered on {}: {}", session.id, run, e.toString());
        }
    }

    /**
     * @param admitted whether the session is already counted on the run (a run of its earlier version)
     * @param cannotRecover why the session fails instead of resuming, or null
     */
    private void resumeSession(SessionRun session, FlowRun run, boolean admitted, String cannotRecover) {
        if (!admitted && !run.admit()) {
            // the run was retired meanwhile: the session waits for the one that replaced it
            awaitingFlow.computeIfAbsent(run.id(), id -> ConcurrentHashMap.newKeySet()).add(session);
            FlowRun active = flows.active(run.id());
            if (active != null && active != run && active.ready()) {
                resume(active);
            }
            return;
        }
        List<LogEntry> entries = session.recoveredEntries;
        session.recoveredEntries = null;
        session.run = run;
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
        List<UUID> steps = concat(completed.keySet(), started.keySet());
        for (UUID step : steps) {
            if (cannotRecover != null || !run.processors.containsKey(step)) {
                failOnRecovery(session, entries, step, cannotRecover != null ? cannotRecover
                        : "cannot recover: step " + step + " of the session is not in the current definition of " + run);
                return;
            }
        }
        if (cannotRecover != null) {
            failOnRecovery(session, entries, entries.get(entries.size() - 1).processorId(), cannotRecover);
            return;
        }
        session.outputs.putAll(completed);
        session.steps.clear();
        List<UUID> newlyReady = tracker.restoreSession(session.id, run.graph, completed.keySet(), started.keySet());
        Map<UUID, SessionRun.StepInput> ready = new LinkedHashMap<>();
        List<LogEntry> next = new ArrayList<>();
        for (UUID step : newlyReady) {
            SessionRun.StepData data = session.inputOf(step);
            ready.put(step, new SessionRun.StepInput(data.object(), data.contentId(), 0));
            next.add(session.started(step, data.object(), data.contentId(), 0));
        }
        for (LogEntry pending : started.values()) {
            FlowObject input = new FlowObject(pending.metadata(), session.mark);
            ready.put(pending.processorId(), new SessionRun.StepInput(input, pending.contentId(), pending.attempt(),
                    StepWaits.startOf(pending.error()).orElse(null)));
            session.steps.put(pending.processorId(), new SessionRun.StepState(pending.processorName(), pending.attempt(), null, false));
        }
        boolean complete = started.isEmpty() && newlyReady.isEmpty();
        if (complete && session.triggerId == null) {
            next.add(LogEntry.sessionFinished(session.id, session.flowId, session.loggedMark, ""));
        }
        if (next.isEmpty() && !complete) {
            ready.forEach((step, input) -> runner.dispatch(session, step, input));
        } else {
            // what the log may refuse here is a join's input, merged from outputs it took one by one
            UUID joined = newlyReady.isEmpty() ? null : newlyReady.get(0);
            runner.logThenContinue(session, next, ready, complete, true, joined == null ? null
                    : (rejected, enterGate) -> outcomes.failUnloggable(session, run.processors.get(joined).definition, ready.get(joined),
                            "the input of step " + run.processors.get(joined).definition.name(), rejected, enterGate));
        }
    }

    /** Fails a recovered session at its last logged step, its input kept for a retry. */
    private void failOnRecovery(SessionRun session, List<LogEntry> entries, UUID step, String why) {
        LogEntry last = entries.get(entries.size() - 1);
        ProcessorDefinition gone = ProcessorDefinition.builder().id(step).name(last.processorName()).type("?").build();
        outcomes.failSession(session, gone, new SessionRun.StepInput(new FlowObject(last.metadata(), session.mark), last.contentId(),
                last.attempt()), why, true);
    }

    private static List<UUID> concat(Collection<UUID> a, Collection<UUID> b) {
        List<UUID> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
