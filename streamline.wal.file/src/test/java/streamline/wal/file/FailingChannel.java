package streamline.wal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A file channel that fails like a full disk: writes succeed until a shared byte budget runs out,
 * and the write that crosses it writes part of its bytes and then throws. Truncation and forcing
 * can be made to fail too, and writes and forces can meet an interrupt. It tracks how far each file
 * was written and forced, so a test can copy a folder as a power loss would leave it.
 */
final class FailingChannel extends FileChannel {

    /** Runs before a channel operation; a test may block there or throw. */
    interface Hook {
        void run(Path file) throws IOException;
    }

    /** The failure switches, shared by every channel a test opens. */
    static final class Disk {
        volatile long bytesLeft = Long.MAX_VALUE;
        volatile boolean failTruncate;
        volatile boolean failForce;
        /** How many of the next forces fail (and then force again normally). */
        volatile int failingForces;
        /** How many of the next forces meet an interrupt, as a thread interrupted during fsync does. */
        volatile int interruptedForces;
        /**
         * How many of the next writes meet an interrupt once their bytes are written: what the JDK does when a
         * thread is interrupted during a write (the bytes are in the file, the channel is closed, the call throws).
         */
        volatile int interruptedWrites;
        volatile int forces;
        /** Runs before every open, with the file: a test acts at that moment, or fails the open by throwing. */
        volatile Hook beforeOpen = file -> { };
        /** Runs before every force, with the file. */
        volatile Hook beforeForce = file -> { };
        /** Per file opened here: the end of the bytes written, and of the bytes written when it was last forced. */
        final Map<Path, Long> written = new ConcurrentHashMap<>();
        final Map<Path, Long> forced = new ConcurrentHashMap<>();
        /**
         * Whether a truncate survives a power loss only once the file is forced after it (as on a real disk); by
         * default it counts as done at once. Then a power loss brings back what a cut not forced since removed of the
         * bytes the last force made durable.
         */
        volatile boolean truncatesDurableOnlyWhenForced;
        /** Per file, the durable bytes cut off it since its last force: where they began, and what they were. */
        final Map<Path, Map.Entry<Long, byte[]>> cutUnforced = new ConcurrentHashMap<>();

        FileOpener opener() {
            return (file, options) -> {
                beforeOpen.run(file);
                return new FailingChannel(FileChannel.open(file, options), this, file);
            };
        }

        /**
         * Copies {@code from} into {@code to} as a power loss now would leave it: every file opened here keeps
         * only what was written before its last force, zeros in place of the rest (preallocated blocks keep
         * their zeros; in a growing file, zeros are what recovery trims as padding). Files created, renamed and
         * deleted count as done (the log forces the directory after each).
         */
        void powerLossCopy(Path from, Path to) throws IOException {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (!Files.isRegularFile(file) || file.getFileName().toString().equals("wal.lock")) {
                        continue;
                    }
                    byte[] bytes = Files.readAllBytes(file);
                    Long durable = forced.get(file);
                    if (durable == null && written.containsKey(file)) {
                        durable = 0L;
                    }
                    if (durable != null) {
                        for (long i = durable; i < bytes.length; i++) {
                            bytes[(int) i] = 0;
                        }
                    }
                    Map.Entry<Long, byte[]> cut = cutUnforced.get(file);
                    if (cut != null) {
                        // the cut never reached the disk: the durable bytes it removed are there again
                        byte[] restored = java.util.Arrays.copyOf(bytes, Math.max(bytes.length, (int) (cut.getKey() + cut.getValue().length)));
                        System.arraycopy(cut.getValue(), 0, restored, (int) (long) cut.getKey(), cut.getValue().length);
                        bytes = restored;
                    }
                    Files.write(to.resolve(file.getFileName()), bytes, StandardOpenOption.CREATE_NEW);
                }
            }
        }
    }

    private final FileChannel delegate;
    private final Disk disk;
    private final Path file;

    FailingChannel(FileChannel delegate, Disk disk, Path file) {
        this.delegate = delegate;
        this.disk = disk;
        this.file = file;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        long left = disk.bytesLeft;
        if (src.remaining() > left) {
            // a partial write, then the error: what a full disk does to the record being written
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + (int) Math.max(0, left));
            int written = delegate(() -> delegate.write(part, position));
            src.position(src.position() + written);
            disk.bytesLeft = 0;
            wrote(position + written);
            throw new IOException("No space left on device");
        }
        int written = delegate(() -> delegate.write(src, position));
        disk.bytesLeft = left - written;
        wrote(position + written);
        if (disk.interruptedWrites > 0) {
            disk.interruptedWrites--;
            close();
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        }
        return written;
    }

    private void wrote(long end) {
        disk.written.merge(file, end, Math::max);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int written = write(src, delegate.position());
        delegate.position(delegate.position() + written);
        return written;
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (disk.failTruncate) {
            throw new IOException("Input/output error (truncate)");
        }
        if (disk.truncatesDurableOnlyWhenForced && !disk.cutUnforced.containsKey(file)) {
            long durable = disk.forced.getOrDefault(file, 0L);
            if (durable > size) {
                ByteBuffer cut = ByteBuffer.allocate((int) (durable - size));
                while (cut.hasRemaining() && delegate(() -> delegate.read(cut, size + cut.position())) >= 0) {
                    // reads what the cut removes of the durable bytes
                }
                disk.cutUnforced.put(file, Map.entry(size, java.util.Arrays.copyOf(cut.array(), cut.position())));
            }
        }
        delegate(() -> delegate.truncate(size));
        disk.written.computeIfPresent(file, (f, end) -> Math.min(end, size));
        if (!disk.truncatesDurableOnlyWhenForced) {
            disk.forced.computeIfPresent(file, (f, end) -> Math.min(end, size));
        }
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        disk.beforeForce.run(file);
        if (disk.failForce) {
            throw new IOException("Input/output error (fsync)");
        }
        if (disk.failingForces > 0) {
            disk.failingForces--;
            throw new IOException("Input/output error (fsync)");
        }
        if (disk.interruptedForces > 0) {
            // what the JDK does: the channel is closed, the thread keeps its interrupt, the call throws
            disk.interruptedForces--;
            close();
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        }
        long end = disk.written.getOrDefault(file, 0L);
        delegate(() -> {
            delegate.force(metaData);
            return null;
        });
        disk.forces++;
        if (disk.cutUnforced.remove(file) != null) {
            disk.forced.put(file, end); // the cut is durable now: so is the file's end where it left it
        } else {
            disk.forced.merge(file, end, Math::max);
        }
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    /** Calls the real channel; when that closes (an interrupt), this one is closed too, as a real channel would be. */
    private <T> T delegate(Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (ClosedChannelException e) {
            close();
            throw e;
        }
    }

    @Override public int read(ByteBuffer dst) throws IOException { return delegate(() -> delegate.read(dst)); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return delegate(() -> delegate.read(dsts, offset, length)); }
    @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException { throw new IOException("not used"); }
    @Override public long position() throws IOException { return delegate.position(); }
    @Override public FileChannel position(long newPosition) throws IOException { delegate.position(newPosition); return this; }
    @Override public long size() throws IOException { return delegate(delegate::size); }
    @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException { return delegate(() -> delegate.transferTo(position, count, target)); }
    @Override public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException { return delegate(() -> delegate.transferFrom(src, position, count)); }
    @Override public int read(ByteBuffer dst, long position) throws IOException { return delegate(() -> delegate.read(dst, position)); }
    @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException { return delegate.map(mode, position, size); }
    @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return delegate.lock(position, size, shared); }
    @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return delegate.tryLock(position, size, shared); }
    @Override protected void implCloseChannel() throws IOException { delegate.close(); }
}
