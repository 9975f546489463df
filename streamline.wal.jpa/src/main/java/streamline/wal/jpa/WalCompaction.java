package streamline.wal.jpa;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;

import streamline.jpa.support.Transactions;

/**
 * Deletes the entries of finished sessions at a cost that grows with what it deletes, not with what
 * the table holds: the ends of sessions are read first (by the kind's index, a bounded number per
 * round), then each session's entries up to its end are deleted by the session's index, a bounded
 * number of sessions per transaction. A single {@code DELETE … WHERE SESSION_ID IN (SELECT …)} is not
 * turned into a join by every database: Derby evaluates the subquery again for every row, which made
 * compaction cost live rows times finished rows and never end under load.
 *
 * <p>Only entries up to a session's last end are deleted: a session started again after its end (handed
 * back into this log) keeps its new entries. Each transaction first raises the table's high-water mark
 * ({@link WalSequenceEntity}) to the highest sequence it deletes.
 */
final class WalCompaction {

    /** Ends of sessions read per round: bounds the memory of one round. */
    static final int ENDS_PER_ROUND = 50_000;
    /** Sessions deleted per transaction: bounds the locks and the undo of one transaction. */
    static final int SESSIONS_PER_TRANSACTION = 500;

    private final Transactions transactions;

    WalCompaction(Transactions transactions) {
        this.transactions = transactions;
    }

    /**
     * Deletes the entries of finished sessions whose end is at most {@code settled}, the highest sequence
     * the log knows written: the rows of a commit in doubt, above it, are the log's to look at (to find it
     * landed, not write it again) before any is deleted. Returns how many.
     */
    int compact(long settled) {
        int deleted = 0;
        while (true) {
            List<Object[]> ends = transactions.statements(em -> em.createQuery(
                    "select f.sessionId, f.sequence from WalEntryEntity f where f.kind = 'SESSION_FINISHED'"
                    + " and f.sequence <= :settled", Object[].class).setParameter("settled", settled)
                    .setMaxResults(ENDS_PER_ROUND).getResultList());
            if (ends.isEmpty()) {
                return deleted;
            }
            Map<String, Long> lastEnd = new HashMap<>();
            for (Object[] end : ends) {
                lastEnd.merge((String) end[0], ((Number) end[1]).longValue(), Math::max);
            }
            List<Map.Entry<String, Long>> sessions = new ArrayList<>(lastEnd.entrySet());
            for (int from = 0; from < sessions.size(); from += SESSIONS_PER_TRANSACTION) {
                List<Map.Entry<String, Long>> chunk = sessions.subList(from, Math.min(sessions.size(), from + SESSIONS_PER_TRANSACTION));
                deleted += transactions.required(em -> delete(em, chunk));
            }
            if (ends.size() < ENDS_PER_ROUND) {
                return deleted;
            }
        }
    }

    /** Deletes each session's entries up to its end, in the transaction of {@code em}. */
    private static int delete(EntityManager em, List<Map.Entry<String, Long>> sessions) {
        long highest = 0;
        for (Map.Entry<String, Long> session : sessions) {
            highest = Math.max(highest, session.getValue());
        }
        Connection connection = em.unwrap(Connection.class);
        try {
            try (PreparedStatement mark = connection.prepareStatement(
                    "UPDATE SL_WAL_SEQUENCE SET LAST_SEQ = ? WHERE ID = ? AND LAST_SEQ < ?")) {
                mark.setLong(1, highest);
                mark.setInt(2, WalSequenceEntity.ID);
                mark.setLong(3, highest);
                mark.executeUpdate();
            }
            // "SEQ + 0": by the session's index, never a range of the primary key up to the end (which a
            // database may choose for "SEQ <= ?", making each delete read most of the table)
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM SL_WAL_ENTRY WHERE SESSION_ID = ? AND SEQ + 0 <= ?")) {
                for (Map.Entry<String, Long> session : sessions) {
                    delete.setString(1, session.getKey());
                    delete.setLong(2, session.getValue());
                    delete.addBatch();
                }
                int rows = 0;
                for (int count : delete.executeBatch()) {
                    rows += count == Statement.SUCCESS_NO_INFO ? 1 : Math.max(count, 0);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new PersistenceException("cannot delete the entries of " + sessions.size() + " finished sessions: "
                    + e.getMessage(), e);
        }
    }
}
