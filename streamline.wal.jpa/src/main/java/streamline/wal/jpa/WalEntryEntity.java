package streamline.wal.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Lob;
import jakarta.persistence.Table;

/**
 * One write-ahead log entry; metadata as JSON, completed steps as ids separated by commas, text too
 * long for its column in {@link #overflowJson}.
 */
@Entity
@Table(name = "SL_WAL_ENTRY", indexes = {@Index(name = "SL_WAL_SESSION", columnList = "SESSION_ID"),
        @Index(name = "SL_WAL_KIND", columnList = "KIND")})
public class WalEntryEntity {

    /**
     * Column lengths: a database may count them in bytes, so a value goes to the overflow once its
     * UTF-8 form is longer.
     */
    static final int PROCESSOR_NAME_LENGTH = 255;
    static final int CONTENT_ID_LENGTH = 1024;
    static final int TRIGGER_MARK_LENGTH = 4000;
    static final int ERROR_LENGTH = 4000;

    @Id
    @Column(name = "SEQ")
    long sequence;

    @Column(name = "KIND", nullable = false, length = 20)
    String kind;

    @Column(name = "SESSION_ID", nullable = false, length = 36)
    String sessionId;

    @Column(name = "FLOW_ID", nullable = false, length = 36)
    String flowId;

    @Column(name = "PROCESSOR_ID", length = 36)
    String processorId;

    @Column(name = "PROCESSOR_NAME", nullable = false, length = PROCESSOR_NAME_LENGTH)
    String processorName;

    @Column(name = "CONTENT_ID", nullable = false, length = CONTENT_ID_LENGTH)
    String contentId;

    @Lob
    @Column(name = "METADATA_JSON", nullable = false)
    String metadataJson;

    @Column(name = "TRIGGER_MARK", nullable = false, length = TRIGGER_MARK_LENGTH)
    String triggerMark;

    @Column(name = "ATTEMPT", nullable = false)
    int attempt;

    @Lob
    @Column(name = "COMPLETED_STEPS", nullable = false)
    String completedSteps;

    @Column(name = "ERROR_TEXT", nullable = false, length = ERROR_LENGTH)
    String error;

    /**
     * The text fields too long for their columns above, whole, as typed JSON by field name
     * ({@code processorName}, {@code contentId}, {@code triggerMark}, {@code error}); their columns then
     * hold an empty string. Null for almost every entry: a long error or trigger mark is rare, and
     * the short columns keep the usual entry cheap to write and read.
     */
    @Lob
    @Column(name = "OVERFLOW_JSON")
    String overflowJson;

    /** A copy of this row with a sequence: each commit attempt persists rows of its own. */
    WalEntryEntity withSequence(long newSequence) {
        WalEntryEntity copy = new WalEntryEntity();
        copy.sequence = newSequence;
        copy.kind = kind;
        copy.sessionId = sessionId;
        copy.flowId = flowId;
        copy.processorId = processorId;
        copy.processorName = processorName;
        copy.contentId = contentId;
        copy.metadataJson = metadataJson;
        copy.triggerMark = triggerMark;
        copy.attempt = attempt;
        copy.completedSteps = completedSteps;
        copy.error = error;
        copy.overflowJson = overflowJson;
        return copy;
    }
}
