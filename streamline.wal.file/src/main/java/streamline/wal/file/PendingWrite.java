package streamline.wal.file;

import java.nio.file.Path;
import java.util.List;

import streamline.api.wal.EntryRejectedException;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

/**
 * One append's encoded entries and, once written, its outcome: fields set under the write lock,
 * {@code done} last (volatile), so the appender reads them without the lock. Once written, it is
 * its appender's force waiter (target: the end of its bytes).
 */
final class PendingWrite extends GroupCommit.Waiter {
    final List<LogEntry> entries;
    final byte[][] payloads;
    final int bytes;
    /** Whether its appender waits for a force (policy {@code always}), or only for the write. */
    final boolean forced;
    volatile boolean done;
    long lastSequence;
    boolean checkpointDue;
    WriteAheadLogException error;

    /**
     * @throws EntryRejectedException if an entry is larger than a record may be (recovery would take
     *         such a record for corruption, so it is refused here rather than written and lost later), or
     *         holds text UTF-8 cannot carry (it would come back changed)
     */
    PendingWrite(List<LogEntry> entries, boolean forced, Path directory) throws EntryRejectedException {
        super(Long.MAX_VALUE);
        this.entries = entries;
        this.forced = forced;
        this.payloads = new byte[entries.size()][];
        long total = 0;
        for (int i = 0; i < payloads.length; i++) {
            LogEntry entry = entries.get(i);
            try {
                payloads[i] = EntryCodec.encode(entry);
            } catch (IllegalArgumentException e) {
                throw refused(directory, entry, e.getMessage());
            }
            if (payloads[i].length > WalFiles.MAX_PAYLOAD) {
                throw refused(directory, entry, payloads[i].length + " bytes encoded, at most " + WalFiles.MAX_PAYLOAD
                        + " (" + (WalFiles.MAX_PAYLOAD >> 20) + " MiB) per entry");
            }
            total += WalFiles.RECORD_HEADER_SIZE + payloads[i].length;
        }
        if (total > Integer.MAX_VALUE) {
            throw new EntryRejectedException("write-ahead log in " + directory + " refuses an append of " + entries.size()
                    + " entries totalling " + total + " bytes encoded, over 2 GiB in one write; nothing was written");
        }
        this.bytes = (int) total;
    }

    private static EntryRejectedException refused(Path directory, LogEntry entry, String why) {
        return new EntryRejectedException("write-ahead log in " + directory + " refuses the " + entry.kind() + " entry of session "
                + entry.sessionId() + (entry.processorName().isEmpty() ? "" : ", step '" + entry.processorName() + "'")
                + ": " + why + "; nothing of this append was written");
    }
}
