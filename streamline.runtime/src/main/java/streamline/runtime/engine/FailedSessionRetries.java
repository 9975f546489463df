package streamline.runtime.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.engine.EngineException;
import streamline.api.processor.ContentSource;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.TriggerResult;

/**
 * Retries and discards failed sessions. A retry starts a new session of the flow's current version from the kept
 * input, with the failed session's trigger and mark, so the trigger hears of the new session's end and acknowledges its
 * source; the failed record is removed only once the new session is in the log (a crash in between leaves both: the
 * record is then retried or discarded again, at least once, never lost).
 */
final class FailedSessionRetries {

    private static final Logger LOG = LogManager.getLogger(FailedSessionRetries.class);

    private final FailedSessionStore failed;
    private final FlowActivation flows;
    private final SessionStarts starts;

    FailedSessionRetries(FailedSessionStore failed, FlowActivation flows, SessionStarts starts) {
        this.failed = failed;
        this.flows = flows;
        this.starts = starts;
    }

    UUID retry(UUID sessionId) throws EngineException {
        FailedSessionStore.FailedSession kept = read(sessionId);
        FlowRun run = flows.active(kept.flowId());
        String refused = "failed session " + sessionId + " is not retried: ";
        if (run == null) {
            throw new EngineException(refused + "its flow " + kept.flowName() + " (" + kept.flowId() + ") is not active");
        }
        if (!run.ready()) {
            throw new EngineException(refused + "its flow " + run.name() + " waits for processor types " + run.missingTypes());
        }
        // the kept input is the failed step's: a session started from it at the flow's start is that step's retry only
        // when the step is one of the flow's first
        if (!run.graph.firstProcessorIds().contains(kept.processorId())) {
            throw new EngineException(refused + "it failed at processor " + kept.processorName()
                    + ", which is not a first processor of flow " + run.name() + " now, and its kept input is that processor's input");
        }
        ContentSource content = kept.hasContent() ? () -> Files.newInputStream(failed.contentOf(sessionId)) : null;
        UUID triggerId = kept.triggerId() != null && run.triggers.containsKey(kept.triggerId()) ? kept.triggerId() : null;
        String mark = kept.triggerMark() == null ? "" : kept.triggerMark();
        ItemOutcome outcome = starts.start(run, triggerId, List.of(new TriggerResult(kept.metadata(), mark, content))).get(0);
        if (!outcome.accepted()) {
            throw new EngineException(refused + outcome.reason());
        }
        try {
            failed.remove(sessionId);
        } catch (IOException e) {
            LOG.error("failed session {} was retried as session {}, but its record could not be removed: {}; discard it",
                    sessionId, outcome.sessionId(), e.toString());
        }
        LOG.info("failed session {} retried as session {} of flow {}", sessionId, outcome.sessionId(), run.name());
        return outcome.sessionId();
    }

    void discard(UUID sessionId) throws EngineException {
        read(sessionId);
        try {
            failed.remove(sessionId);
        } catch (IOException e) {
            throw new EngineException("failed session " + sessionId + " could not be discarded: " + e, e);
        }
        LOG.info("failed session {} discarded", sessionId);
    }

    private FailedSessionStore.FailedSession read(UUID sessionId) throws EngineException {
        try {
            return failed.read(sessionId).orElseThrow(() -> new EngineException("no failed session " + sessionId
                    + " is kept (streamline:failed lists them)"));
        } catch (IOException e) {
            throw new EngineException("the record of failed session " + sessionId + " cannot be read: " + e, e);
        }
    }
}
