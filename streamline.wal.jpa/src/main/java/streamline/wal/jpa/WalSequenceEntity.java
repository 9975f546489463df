package streamline.wal.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * The highest sequence compaction deleted (one row, id 1): a log opened on a table compaction emptied
 * goes on above it, so sequence numbers keep increasing across restarts.
 */
@Entity
@Table(name = "SL_WAL_SEQUENCE")
public class WalSequenceEntity {

    static final int ID = 1;

    @Id
    @Column(name = "ID")
    int id;

    @Column(name = "LAST_SEQ", nullable = false)
    long lastSequence;
}
