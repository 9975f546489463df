package streamline.wal.file;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import streamline.api.wal.LogEntry;

/**
 * Decodes records on all cores while the scanner reads on: payloads are copied into chunks of about
 * 256 KiB, each chunk decoded by a pool that lives only as long as one bulk read (its owner shuts it
 * down), and the entries come back in the order they were read.
 *
 * <p>Few chunks wait: when the pool is behind, the reading thread decodes the next chunk itself
 * instead of queueing it. Reading is faster than decoding, and an unbounded queue held hundreds of
 * megabytes of raw chunks that every young collection then copied (measured: the collector's pauses
 * were half of a recovery). Decoded chunks are reused; an entry keeps no reference to its bytes.
 */
final class ParallelDecoder implements AutoCloseable {

    /** Below half of G1's smallest region, so that a chunk is not a humongous object (see {@link RecordScanner}). */
    private static final int CHUNK_BYTES = 256 * 1024;

    private final ThreadPoolExecutor pool;
    /** Chunks whose records are decoded, for reuse. */
    private final ArrayBlockingQueue<byte[]> spareChunks;
    /** One vocabulary per decoding thread of this decoder's pool. */
    private final ThreadLocal<Vocabulary> vocabularies = ThreadLocal.withInitial(Vocabulary::new);
    private final List<Future<LogEntry[]>> chunks = new ArrayList<>();
    private byte[] bytes = new byte[CHUNK_BYTES];
    private int used;
    private long[] sequences = new long[4096];
    private int[] starts = new int[4096];
    private int count;

    ParallelDecoder(int threads) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(threads), r -> {
            Thread t = new Thread(r, "streamline-wal-file-decoder");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        spareChunks = new ArrayBlockingQueue<>(threads * 2 + 2);
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
        payload.get(payload.position(), bytes, used, length);
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
            ByteBuffer payload = ByteBuffer.wrap(chunk);
            for (int i = 0; i < n; i++) {
                payload.limit(chunkStarts[i + 1]).position(chunkStarts[i]);
                entries[i] = EntryCodec.decode(chunkSequences[i], payload, vocabulary);
            }
            if (chunk.length == CHUNK_BYTES) {
                spareChunks.offer(chunk);
            }
            return entries;
        }));
        byte[] spare = spareChunks.poll();
        bytes = spare != null ? spare : new byte[CHUNK_BYTES];
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
        vocabularies.remove(); // the reading thread's, if it decoded a chunk
    }
}
