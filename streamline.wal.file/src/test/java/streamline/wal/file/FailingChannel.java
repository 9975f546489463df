package streamline.wal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file channel that fails like a full disk: writes succeed until a shared byte budget runs out,
 * and the write that crosses it writes part of its bytes and then throws. Truncation and forcing
 * can be made to fail too.
 */
final class FailingChannel extends FileChannel {

    /** The failure switches, shared by every channel a test opens. */
    static final class Disk {
        volatile long bytesLeft = Long.MAX_VALUE;
        volatile boolean failTruncate;
        volatile boolean failForce;
        /** How many of the next forces meet an interrupt, as a thread interrupted during fsync does. */
        volatile int interruptedForces;
        volatile int forces;

        FileOpener opener() {
            return (file, options) -> new FailingChannel(FileChannel.open(file, options), this);
        }
    }

    private final FileChannel delegate;
    private final Disk disk;

    FailingChannel(FileChannel delegate, Disk disk) {
        this.delegate = delegate;
        this.disk = disk;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        long left = disk.bytesLeft;
        if (src.remaining() > left) {
            // a partial write, then the error: what a full disk does to the record being written
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + (int) Math.max(0, left));
            int written = delegate.write(part, position);
            src.position(src.position() + written);
            disk.bytesLeft = 0;
            throw new IOException("No space left on device");
        }
        int written = delegate.write(src, position);
        disk.bytesLeft = left - written;
        return written;
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
        delegate.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (disk.failForce) {
            throw new IOException("Input/output error (fsync)");
        }
        if (disk.interruptedForces > 0) {
            // what the JDK does: the channel is closed, the thread keeps its interrupt, the call throws
            disk.interruptedForces--;
            close();
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        }
        disk.forces++;
        delegate.force(metaData);
    }

    @Override public int read(ByteBuffer dst) throws IOException { return delegate.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return delegate.read(dsts, offset, length); }
    @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException { throw new IOException("not used"); }
    @Override public long position() throws IOException { return delegate.position(); }
    @Override public FileChannel position(long newPosition) throws IOException { delegate.position(newPosition); return this; }
    @Override public long size() throws IOException { return delegate.size(); }
    @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException { return delegate.transferTo(position, count, target); }
    @Override public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException { return delegate.transferFrom(src, position, count); }
    @Override public int read(ByteBuffer dst, long position) throws IOException { return delegate.read(dst, position); }
    @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException { return delegate.map(mode, position, size); }
    @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return delegate.lock(position, size, shared); }
    @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return delegate.tryLock(position, size, shared); }
    @Override protected void implCloseChannel() throws IOException { delegate.close(); }
}
