package streamline.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.nifi.wali.SequentialAccessWriteAheadLog;
import org.wali.SerDe;
import org.wali.SingletonSerDeFactory;
import org.wali.UpdateType;

import streamline.api.wal.LogEntry;
import streamline.wal.file.EntryCodec;

/**
 * Apache NiFi's write-ahead log, fed the same entries in the same encoding as ours: a step entry is
 * a CREATE of the session's record, a session-finished entry a DELETE.
 */
final class NiFiWal {

    private final SequentialAccessWriteAheadLog<LogEntry> log;

    NiFiWal(File directory) throws IOException {
        log = new SequentialAccessWriteAheadLog<>(directory, new SingletonSerDeFactory<>(new EntrySerDe()));
        recovered = log.recoverRecords(); // NiFi takes no update before its recovery ran
    }

    private final Collection<LogEntry> recovered;

    /** What the constructor's recovery found. */
    Collection<LogEntry> recovered() {
        return recovered;
    }

    void append(LogEntry entry, boolean forceSync) throws IOException {
        log.update(List.of(entry), forceSync);
    }

    void checkpoint() throws IOException {
        log.checkpoint();
    }

    void shutdown() throws IOException {
        log.shutdown();
    }

    private static final class EntrySerDe implements SerDe<LogEntry> {
        @Override
        public void serializeEdit(LogEntry previous, LogEntry entry, DataOutputStream out) throws IOException {
            serializeRecord(entry, out);
        }

        @Override
        public void serializeRecord(LogEntry entry, DataOutputStream out) throws IOException {
            byte[] bytes = EntryCodec.encode(entry);
            out.writeInt(bytes.length);
            out.write(bytes);
        }

        @Override
        public LogEntry deserializeEdit(DataInputStream in, Map<Object, LogEntry> current, int version) throws IOException {
            return deserializeRecord(in, version);
        }

        @Override
        public LogEntry deserializeRecord(DataInputStream in, int version) throws IOException {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException e) {
                return null;
            }
            byte[] bytes = new byte[length];
            in.readFully(bytes);
            return EntryCodec.decode(1, ByteBuffer.wrap(bytes));
        }

        @Override
        public Object getRecordIdentifier(LogEntry entry) {
            return entry.sessionId();
        }

        @Override
        public UpdateType getUpdateType(LogEntry entry) {
            return entry.kind() == LogEntry.Kind.SESSION_FINISHED ? UpdateType.DELETE : UpdateType.CREATE;
        }

        @Override
        public String getLocation(LogEntry entry) {
            return null;
        }

        @Override
        public int getVersion() {
            return 1;
        }
    }
}
