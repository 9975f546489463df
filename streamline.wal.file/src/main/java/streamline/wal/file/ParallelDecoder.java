package streamline.wal.file;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import streamline.api.wal.LogEntry;

/**
 * Decodes records on all cores while the scanner reads on: payloads are copied into chunks of about
 * 1 MiB, each chunk decoded by a pool that lives only as long as one bulk read (its owner shuts it
 * down), and the entries come back in the order they were read.
 */
final class ParallelDecoder implements AutoCloseable {

    private static final int CHUNK_BYTES = 1 << 20;

    private final ExecutorService pool;
    /** One vocabulary per decoding thread of this decoder's pool. */
    private final ThreadLocal<Vocabulary> vocabularies = ThreadLocal.withInitial(Vocabulary::new);
    private final List<Future<LogEntry[]>> chunks = new ArrayList<>();
    private byte[] bytes = new byte[CHUNK_BYTES];
    private int used;
    private long[] sequences = new long[4096];
    private int[] starts = new int[4096];
    private int count;

    ParallelDecoder(int threads) {
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "streamline-wal-file-decoder");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues one record's payload (copied: the scanner reuses its buffer). */
    void add(long sequence, ByteBuffer payload) {
        int length = payload.remaining();
        if (used + length > bytes.length && count > 0) {
            submit();
        }
        if (length > bytes.length) {
            bytes = new byte[length];
        }
        if (count == sequences.length) {
            sequences = Arrays.copyOf(sequences, count * 2);
            starts = Arrays.copyOf(starts, count * 2 + 1);
        }
        payload.duplicate().get(bytes, used, length);
        sequences[count] = sequence;
        starts[count] = used;
        used += length;
        count++;
    }

    private void submit() {
        byte[] chunk = bytes;
        long[] chunkSequences = Arrays.copyOf(sequences, count);
        int[] chunkStarts = Arrays.copyOf(starts, count + 1);
        chunkStarts[count] = used;
        int n = count;
        chunks.add(pool.submit(() -> {
            LogEntry[] entries = new LogEntry[n];
            Vocabulary vocabulary = vocabularies.get();
            for (int i = 0; i < n; i++) {
                entries[i] = EntryCodec.decode(chunkSequences[i],
                        ByteBuffer.wrap(chunk, chunkStarts[i], chunkStarts[i + 1] - chunkStarts[i]).slice(), vocabulary);
            }
            return entries;
        }));
        bytes = new byte[CHUNK_BYTES];
        used = 0;
        count = 0;
    }

    /** Waits for every chunk and adds the entries to {@code into}, in reading order. */
    void drainInto(List<LogEntry> into) throws InterruptedException, ExecutionException {
        if (count > 0) {
            submit();
        }
        for (Future<LogEntry[]> chunk : chunks) {
            into.addAll(Arrays.asList(chunk.get()));
        }
        chunks.clear();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
