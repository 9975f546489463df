package streamline.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import streamline.api.wal.LogEntry;
import streamline.wal.jpa.TypedJson;

/**
 * The baseline for the JPA log: plain JDBC batch inserts into the same Derby table, with the same
 * group commit (queued appends written by whoever holds the lock, one transaction) and the same
 * metadata encoding. What remains between the two is what JPA costs.
 */
final class JdbcWal {

    private static final String INSERT = "INSERT INTO SL_WAL_ENTRY (SEQ, KIND, SESSION_ID, FLOW_ID, PROCESSOR_ID,"
            + " PROCESSOR_NAME, CONTENT_ID, METADATA_JSON, TRIGGER_MARK, ATTEMPT, COMPLETED_STEPS, ERROR_TEXT, OVERFLOW_JSON)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private long sequence;

    private static final class Pending {
        final LogEntry entry;
        boolean done;
        SQLException error;

        Pending(LogEntry entry) {
            this.entry = entry;
        }
    }

    JdbcWal(DataSource dataSource) throws SQLException {
        connection = dataSource.getConnection();
        try (Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE SL_WAL_ENTRY (SEQ BIGINT PRIMARY KEY, KIND VARCHAR(20) NOT NULL,"
                    + " SESSION_ID VARCHAR(36) NOT NULL, FLOW_ID VARCHAR(36) NOT NULL, PROCESSOR_ID VARCHAR(36),"
                    + " PROCESSOR_NAME VARCHAR(255) NOT NULL, CONTENT_ID VARCHAR(1024) NOT NULL, METADATA_JSON CLOB NOT NULL,"
                    + " TRIGGER_MARK VARCHAR(4000) NOT NULL, ATTEMPT INTEGER NOT NULL, COMPLETED_STEPS CLOB NOT NULL,"
                    + " ERROR_TEXT VARCHAR(4000) NOT NULL, OVERFLOW_JSON CLOB)");
            // the indexes the JPA log's table has
            ddl.execute("CREATE INDEX SL_WAL_SESSION ON SL_WAL_ENTRY (SESSION_ID)");
            ddl.execute("CREATE INDEX SL_WAL_KIND ON SL_WAL_ENTRY (KIND)");
        }
        connection.setAutoCommit(false);
    }

    void append(LogEntry entry) throws Exception {
        Pending mine = new Pending(entry);
        pending.add(mine);
        lock.lock();
        try {
            if (!mine.done) {
                commitQueued();
            }
        } finally {
            lock.unlock();
        }
        if (mine.error != null) {
            throw mine.error;
        }
    }

    private void commitQueued() throws Exception {
        List<Pending> batch = new ArrayList<>();
        for (Pending next; (next = pending.poll()) != null; ) {
            batch.add(next);
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (Pending p : batch) {
                LogEntry e = p.entry;
                insert.setLong(1, ++sequence);
                insert.setString(2, e.kind().name());
                insert.setString(3, e.sessionId().toString());
                insert.setString(4, e.flowId().toString());
                insert.setString(5, e.processorId() == null ? null : e.processorId().toString());
                insert.setString(6, e.processorName());
                insert.setString(7, e.contentId());
                insert.setString(8, TypedJson.write(e.metadata()));
                insert.setString(9, e.triggerMark());
                insert.setInt(10, e.attempt());
                insert.setString(11, String.join(",", e.completedSteps().stream().map(UUID::toString).toList()));
                insert.setString(12, e.error());
                insert.setNull(13, Types.CLOB); // the benchmark's texts all fit their columns
                insert.addBatch();
            }
            insert.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            batch.forEach(p -> p.error = e);
        }
        batch.forEach(p -> p.done = true);
    }

    void close() throws SQLException {
        connection.close();
    }
}
