package streamline.runtime.engine;

import java.util.List;
import java.util.concurrent.CompletionStage;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/** A log passing every call to another: tests override the calls whose answer or timing they change. */
class DelegatingLog implements WriteAheadLog {
    final WriteAheadLog log;

    DelegatingLog(WriteAheadLog log) {
        this.log = log;
    }

    @Override public long append(LogEntry entry) throws WriteAheadLogException { return log.append(entry); }
    @Override public long appendAll(List<LogEntry> entries) throws WriteAheadLogException { return log.appendAll(entries); }
    @Override public long appendUnforced(List<LogEntry> entries) throws WriteAheadLogException { return log.appendUnforced(entries); }
    @Override public CompletionStage<Void> whenDurable(long sequence) { return log.whenDurable(sequence); }
    @Override public void force() throws WriteAheadLogException { log.force(); }
    @Override public List<LogEntry> entries() throws WriteAheadLogException { return log.entries(); }
    @Override public List<LogEntry> liveEntries() throws WriteAheadLogException { return log.liveEntries(); }
}
