package streamline.torture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/** A file channel of the {@link Disk}: real I/O, the faults the disk has armed, and a record of unforced bytes. */
final class FaultChannel extends FileChannel {

    private final FileChannel delegate;
    private final Path file;
    private final Disk.Generation generation;
    private final Disk disk;

    FaultChannel(FileChannel delegate, Path file, Disk.Generation generation, Disk disk) {
        this.delegate = delegate;
        this.file = file;
        this.generation = generation;
        this.disk = disk;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        disk.freeze.readLock().lock();
        try {
            Disk.alive(generation);
            Disk.Fault fault = disk.take(false);
            if (fault == Disk.Fault.WRITE_EIO) {
                throw new IOException("Input/output error (injected write failure of " + file + ")");
            }
            io(() -> { disk.beforeChange(file, delegate, position, position + src.remaining()); return null; });
            if (fault == Disk.Fault.WRITE_ENOSPC) {
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + part.remaining() / 2);
                int written = io(() -> delegate.write(part, position));
                src.position(src.position() + written);
                throw new IOException("No space left on device (injected, after " + written + " bytes of a write to " + file + ")");
            }
            int written = io(() -> delegate.write(src, position));
            if (fault == Disk.Fault.WRITE_INTERRUPTED) {
                // what the JDK does when the writing thread is interrupted: the write happened, the channel is closed,
                // the thread keeps its interrupt and the call throws
                close();
                Thread.currentThread().interrupt();
                throw new ClosedByInterruptException();
            }
            return written;
        } finally {
            disk.freeze.readLock().unlock();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        long position = delegate.position();
        int written = write(src, position);
        delegate.position(position + written);
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        disk.freeze.readLock().lock();
        try {
            Disk.alive(generation);
            long current = io(delegate::size);
            if (size < current) {
                io(() -> { disk.beforeChange(file, delegate, size, current); return null; });
            }
            io(() -> delegate.truncate(size));
            return this;
        } finally {
            disk.freeze.readLock().unlock();
        }
    }

    @Override
    public void force(boolean metaData) throws IOException {
        disk.freeze.readLock().lock();
        try {
            Disk.alive(generation);
            if (disk.take(true) == Disk.Fault.FORCE_EIO) {
                throw new IOException("Input/output error (injected fsync failure of " + file + ")");
            }
            io(() -> { delegate.force(metaData); return null; });
            disk.forced(file);
        } finally {
            disk.freeze.readLock().unlock();
        }
    }

    private void readable() throws IOException {
        Disk.alive(generation);
    }

    /** One I/O call of the real channel, run so that this channel is closed whenever the JDK closed that one. */
    private interface Io<T> {
        T run() throws IOException;
    }

    private <T> T io(Io<T> call) throws IOException {
        try {
            return call.run();
        } catch (ClosedChannelException e) {
            // an interrupt closed the real channel: so is this one, as the log expects of a JDK channel
            if (!delegate.isOpen()) {
                close();
            }
            throw e;
        }
    }

    @Override public int read(ByteBuffer dst) throws IOException { readable(); return io(() -> delegate.read(dst)); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { readable(); return io(() -> delegate.read(dsts, offset, length)); }
    @Override public int read(ByteBuffer dst, long position) throws IOException { readable(); return io(() -> delegate.read(dst, position)); }
    @Override public long position() throws IOException { return io(delegate::position); }
    @Override public FileChannel position(long newPosition) throws IOException { delegate.position(newPosition); return this; }
    @Override public long size() throws IOException { return io(delegate::size); }
    @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException { readable(); return delegate.transferTo(position, count, target); }
    @Override public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new IOException("transferFrom is not used by the log");
    }
    @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        if (mode != MapMode.READ_ONLY) {
            throw new IOException("writable maps are not used by the log");
        }
        readable();
        return delegate.map(mode, position, size);
    }
    @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return delegate.lock(position, size, shared); }
    @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return delegate.tryLock(position, size, shared); }
    @Override protected void implCloseChannel() throws IOException { delegate.close(); }
}
