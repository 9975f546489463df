package streamline.wal.file;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;

/**
 * Decodes a snapshot's records while recovery scans them: they are the live entries the engine reads
 * right after opening. A record it cannot decode (its checksum matched, so written by another version
 * or a bug) does not fail the opening: the decoded entries are dropped, and reading the live entries
 * reads the snapshot again and reports it.
 */
final class SnapshotDecoding implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(SnapshotDecoding.class);

    private final Path file;
    private final ParallelDecoder decoder;
    private final Vocabulary vocabulary;
    private List<LogEntry> entries = new ArrayList<>();

    SnapshotDecoding(Path file, int expectedRecords) {
        this.file = file;
        int cores = Runtime.getRuntime().availableProcessors();
        // a small snapshot is decoded on this thread, as a small read is
        boolean parallel = cores > 1 && expectedRecords > LogFiles.PARALLEL_DECODE_THRESHOLD;
        // one thread a core, this one included (it decodes too when the others are behind): recovery runs in a
        // fresh JVM, whose compiler threads need the cores as well
        this.decoder = parallel ? new ParallelDecoder(cores - 1) : null;
        this.vocabulary = parallel ? null : new Vocabulary();
    }

    void add(long sequence, ByteBuffer payload) {
        if (decoder != null) {
            decoder.add(sequence, payload);
        } else if (entries != null) {
            try {
                entries.add(EntryCodec.decode(sequence, payload, vocabulary));
            } catch (IllegalArgumentException e) {
                dropped(e);
            }
        }
    }

    /** The decoded entries in file order, or null if one record could not be decoded. */
    List<LogEntry> entries() {
        if (decoder != null) {
            try {
                decoder.drainInto(entries);
            } catch (ExecutionException e) {
                dropped(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                entries = null;
            }
        }
        return entries;
    }

    private void dropped(Throwable cause) {
        LOG.debug("a record of {} cannot be decoded; its entries are read again when asked for", file, cause);
        entries = null;
    }

    @Override
    public void close() {
        if (decoder != null) {
            decoder.close();
        }
    }
}
