package streamline.runtime.engine;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

import streamline.runtime.content.ContentStore;

/**
 * What a start does with the log it uses: its unfinished sessions decide which content files and kept flow versions
 * stay, are handed to {@link Recovery}, and settle the failed sessions' retries. Separate from
 * {@link StreamlineEngine}, which keeps the order of a start: this is the work directory made to agree with the log.
 */
final class LogAdoption {

    /** Logs as the engine did: these lines are its start's. */
    private static final Logger LOG = LogManager.getLogger(StreamlineEngine.class);

    private final ContentStore content;
    private final FlowVersions versions;
    private final Recovery recovery;
    private final FailedSessionRetries retries;

    LogAdoption(ContentStore content, FlowVersions versions, Recovery recovery, FailedSessionRetries retries) {
        this.content = content;
        this.versions = versions;
        this.recovery = recovery;
        this.retries = retries;
    }

    /**
     * Sweeps content and kept versions no unfinished session of {@code log} needs, recovers those sessions (each
     * resumes once its flow is active) and settles the retries of failed sessions.
     */
    void adopt(WriteAheadLog log) throws WriteAheadLogException, IOException {
        List<LogEntry> unfinished = log.liveEntries();
        sweepContent(unfinished);
        Set<String> versionsNeeded = new HashSet<>();
        for (LogEntry entry : unfinished) {
            String version = TriggerMarks.decode(entry.triggerMark()).version();
            if (version != null) {
                versionsNeeded.add(FlowVersions.fileName(entry.flowId(), version));
            }
        }
        versions.sweep(versionsNeeded);
        int recovered = recovery.adopt(unfinished);
        if (recovered > 0) {
            LOG.info("recovering {} unfinished sessions from the write-ahead log; each resumes once its flow is active", recovered);
        }
        Set<UUID> inLog = new HashSet<>();
        unfinished.forEach(entry -> inLog.add(entry.sessionId()));
        retries.settle(inLog::contains);
    }

    /** Deletes content files no unfinished session of the log in use refers to (the previous log's were carried into it). */
    private void sweepContent(List<LogEntry> unfinished) throws IOException {
        Set<String> needed = new HashSet<>();
        unfinished.forEach(entry -> needed.add(entry.contentId()));
        needed.remove("");
        int swept = content.sweep(needed);
        if (swept > 0) {
            LOG.info("deleted {} content files no live session needs from {}", swept, content.directory());
        }
    }
}
