package streamline.runtime.engine;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import streamline.api.processor.ContentSource;
import streamline.api.processor.FlowObject;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.TriggerResult;
import streamline.api.track.BranchTracker;
import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

import streamline.runtime.content.ContentClaims;
import streamline.runtime.content.ContentStore;

/**
 * Starts sessions: the items of one trigger call (or one submitted item) as one unit. An item whose
 * (trigger, mark) has a live session is a duplicate; the others' contents are stored, then the first
 * steps of all of them go to the log in one write, then they run.
 */
final class SessionStarts {

    private final LiveSessions live;
    private final ContentStore content;
    private final BranchTracker tracker;
    private final StepJournal journal;
    private final StepRunner runner;
    private final FlowVersions versions;

    SessionStarts(LiveSessions live, ContentStore content, BranchTracker tracker, StepJournal journal, StepRunner runner,
            FlowVersions versions) {
        this.versions = versions;
        this.live = live;
        this.content = content;
        this.tracker = tracker;
        this.journal = journal;
        this.runner = runner;
    }

    /**
     * How a retry of a failed session starts its new session: with the id it chose, at {@code step} (null: at the
     * flow's first processors), and with {@code whenLogged} run once the start is in the log, before its step runs.
     */
    record Resumption(UUID sessionId, UUID step, Runnable whenLogged) {
    }

    /** A session of a batch being started. */
    private static final class NewSession {
        final int index;
        final TriggerResult item;
        final UUID id;
        /** The (trigger, mark) it claimed, or null. */
        String claimedMark;
        String contentId = "";
        SessionRun session;

        NewSession(int index, TriggerResult item, UUID id) {
            this.index = index;
            this.item = item;
            this.id = id;
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
    List<ItemOutcome> start(FlowRun run, UUID triggerId, List<TriggerResult> items) {
        return start(run, triggerId, items, null);
    }

    /**
     * Starts one session as a retry of a failed one: as {@link #start} does, but with the session id, the step it
     * starts at and what happens between its logged start and its step's run given by {@code resumption}.
     */
    ItemOutcome resume(FlowRun run, UUID triggerId, TriggerResult item, Resumption resumption) {
        return start(run, triggerId, List.of(item), resumption).get(0);
    }

    private List<ItemOutcome> start(FlowRun run, UUID triggerId, List<TriggerResult> items, Resumption resumption) {
        ItemOutcome[] outcomes = new ItemOutcome[items.size()];
        List<NewSession> batch = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            NewSession fresh = new NewSession(i, items.get(i), resumption == null ? UUID.randomUUID() : resumption.sessionId());
            String key = triggerId == null || fresh.item.triggerMark().isEmpty() ? null
                    : TriggerMarks.encode(triggerId, fresh.item.triggerMark());
            UUID holder = key == null ? null : live.claim(key, fresh.id);
            if (holder != null) {
                outcomes[i] = ItemOutcome.duplicate(fresh.item, holder);
            } else {
                fresh.claimedMark = key;
                batch.add(fresh);
            }
        }
        String failure = null;
        boolean maybeLogged = false;
        if (run.retired && !batch.isEmpty()) {
            failure = retiredMessage(run);
        }
        List<LogEntry> starts = new ArrayList<>();
        Map<NewSession, List<UUID>> firstSteps = new LinkedHashMap<>();
        try {
            if (failure != null) {
                throw new RunRetiredException();
            }
            try (ContentClaims.Batch imports = content.importBatch()) {
                for (NewSession fresh : batch) {
                    fresh.contentId = importContent(imports, fresh);
                }
                imports.force();
            }
            for (NewSession fresh : batch) {
                SessionRun session = new SessionRun(fresh.id, run.id(), triggerId, fresh.item.triggerMark(), run.version, Instant.now(), run);
                session.holdContent(fresh.contentId);
                if (!live.add(session, run)) {
                    throw new RunRetiredException();
                }
                fresh.session = session;
                List<UUID> first;
                if (resumption == null || resumption.step() == null) {
                    first = tracker.startSession(fresh.id, run.graph);
                } else {
                    // as a session recovered with that step started and nothing completed: its branch goes on from there
                    tracker.restoreSession(fresh.id, run.graph, List.of(), List.of(resumption.step()));
                    first = List.of(resumption.step());
                }
                firstSteps.put(fresh, first);
                FlowObject input = new FlowObject(fresh.item.metadata(), fresh.item.triggerMark());
                for (UUID step : first) {
                    starts.add(session.started(step, input, fresh.contentId, 0));
                }
            }
            if (!starts.isEmpty()) {
                if (run.version != null) {
                    // before any session names the version: a recovery after a crash reads it back
                    versions.keep(run);
                }
                journal.append(starts);
            }
        } catch (RunRetiredException e) {
            failure = retiredMessage(run);
        } catch (IOException | RuntimeException | LinkageError e) {
            failure = "could not store the content of an item (or the definition of its version) for " + run + ": "
                    + SessionOutcomes.describe(e);
        } catch (WriteAheadLogException e) {
            failure = "could not log the start of the batch's sessions of " + run + ": " + e.getMessage();
            // a log may have made a prefix of the write durable (none if it refused an entry as it is)
            maybeLogged = !(e instanceof EntryRejectedException);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted while logging the start of the batch's sessions of " + run;
        }
        if (failure != null) {
            // sessions a failed write may have left in the log (a prefix of it) are ended there, so that none of them comes
            // back after a restart without the content released now; if the log refuses that too, such a session fails
            // at its recovery, saying its content is missing (a log whose failed write comes back is the log's bug)
            if (maybeLogged) {
                endInLog(run, batch, failure);
            }
            String reason = batch.size() == 1 ? failure : failure + " (none of the " + batch.size() + " new items of the batch was started)";
            Set<UUID> notStarted = new HashSet<>();
            for (NewSession fresh : batch) {
                undoStart(fresh);
                notStarted.add(fresh.id);
                outcomes[fresh.index] = ItemOutcome.notStarted(fresh.item, reason);
            }
            // a mark the batch names twice was answered a duplicate of the session its first naming was to start
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i].status() == ItemOutcome.Status.DUPLICATE && notStarted.contains(outcomes[i].sessionId())) {
                    outcomes[i] = ItemOutcome.notStarted(outcomes[i].item(), reason);
                }
            }
            return List.of(outcomes);
        }
        if (resumption != null && resumption.whenLogged() != null && !batch.isEmpty()) {
            resumption.whenLogged().run();
        }
        for (NewSession fresh : batch) {
            outcomes[fresh.index] = ItemOutcome.started(fresh.item, fresh.id);
            FlowObject input = new FlowObject(fresh.item.metadata(), fresh.item.triggerMark());
            for (UUID step : firstSteps.get(fresh)) {
                runner.dispatch(fresh.session, step, new SessionRun.StepInput(input, fresh.contentId, 0));
            }
        }
        return List.of(outcomes);
    }

    /** The run was retired while the items were made (its flow re-activated or deactivated during the trigger's call). */
    private static final class RunRetiredException extends Exception {
        private static final long serialVersionUID = 1L;

        RunRetiredException() {
            super(null, null, false, false);
        }
    }

    private static String retiredMessage(FlowRun run) {
        return run + " was re-activated or deactivated while the items were made; they were not started";
    }

    private String importContent(ContentClaims.Batch imports, NewSession fresh) throws IOException {
        ContentSource source = fresh.item.content();
        if (source == null) {
            return "";
        }
        try {
            return imports.add(source);
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new IOException("item '" + fresh.item.triggerMark() + "': " + SessionOutcomes.describe(e), e);
        }
    }

    private void undoStart(NewSession fresh) {
        if (fresh.session != null) {
            tracker.forgetSession(fresh.id);
            live.remove(fresh.session);
        } else if (fresh.claimedMark != null) {
            live.release(fresh.claimedMark, fresh.id);
        }
        content.delete(fresh.contentId);
    }

    /**
     * Logs the end of the batch's sessions whose start a failed write may have logged in part, so that none of them
     * is recovered after a restart as a session its trigger was told was not started. Best effort: the log just
     * failed a write, and this one may fail too.
     */
    private void endInLog(FlowRun run, List<NewSession> batch, String failure) {
        List<LogEntry> ends = new ArrayList<>();
        for (NewSession fresh : batch) {
            if (fresh.session != null) {
                ends.add(LogEntry.sessionFinished(fresh.id, run.id(), fresh.session.loggedMark, "not started: " + failure));
            }
        }
        if (ends.isEmpty()) {
            return;
        }
        try {
            journal.append(ends);
        } catch (WriteAheadLogException | RuntimeException e) {
            // the sessions of a prefix the failed write left, if any, fail at their recovery, saying what is missing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
