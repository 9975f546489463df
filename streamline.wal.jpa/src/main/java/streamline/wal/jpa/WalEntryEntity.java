package streamline.wal.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Lob;
import jakarta.persistence.Table;

/** One write-ahead log entry; metadata as JSON, completed steps as ids separated by commas. */
@Entity
@Table(name = "SL_WAL_ENTRY", indexes = {@Index(name = "SL_WAL_SESSION", columnList = "SESSION_ID"),
        @Index(name = "SL_WAL_KIND", columnList = "KIND")})
public class WalEntryEntity {

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

    @Column(name = "PROCESSOR_NAME", nullable = false, length = 255)
    String processorName;

    @Column(name = "CONTENT_ID", nullable = false, length = 1024)
    String contentId;

    @Lob
    @Column(name = "METADATA_JSON", nullable = false)
    String metadataJson;

    @Column(name = "TRIGGER_MARK", nullable = false, length = 4000)
    String triggerMark;

    @Column(name = "ATTEMPT", nullable = false)
    int attempt;

    @Lob
    @Column(name = "COMPLETED_STEPS", nullable = false)
    String completedSteps;

    @Column(name = "ERROR_TEXT", nullable = false, length = 4000)
    String error;
}
