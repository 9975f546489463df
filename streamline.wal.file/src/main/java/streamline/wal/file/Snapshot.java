package streamline.wal.file;

import static java.nio.file.StandardOpenOption.READ;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

import streamline.api.wal.LogEntry;

/**
 * The installed snapshot: the live records of every segment up to {@code boundary}, and where each is
 * in the file. Its monitor guards only its own channel and recovered entries, and is taken last.
 */
final class Snapshot {
    private final long boundary;
    private final Path file;
    private final SortedSequences offsets;
    private FileChannel channel;
    /**
     * The snapshot's entries as recovery decoded them, for the first read of the live entries (what the
     * engine does right after opening a log): that read then needs no second pass over the file. Softly
     * held, so that memory pressure may drop them if nobody reads; null once taken.
     */
    private SoftReference<List<LogEntry>> recoveredEntries;

    Snapshot(long boundary, Path file, FileChannel channel, SortedSequences offsets) {
        this.boundary = boundary;
        this.file = file;
        this.channel = channel;
        this.offsets = offsets;
    }

    long boundary() {
        return boundary;
    }

    Path file() {
        return file;
    }

    SortedSequences offsets() {
        return offsets;
    }

    synchronized void keepRecoveredEntries(List<LogEntry> entries) {
        recoveredEntries = entries == null ? null : new SoftReference<>(entries);
    }

    /** The entries recovery decoded, in file order, once; null if taken or dropped. */
    synchronized List<LogEntry> takeRecoveredEntries() {
        List<LogEntry> entries = recoveredEntries == null ? null : recoveredEntries.get();
        recoveredEntries = null;
        return entries;
    }

    /** The read channel, opened again if an interrupt closed it. */
    synchronized FileChannel channel() throws IOException {
        if (!channel.isOpen()) {
            channel = FileChannel.open(file, READ);
        }
        return channel;
    }

    synchronized void close() {
        WalFiles.closeQuietly(channel);
        recoveredEntries = null;
    }
}
