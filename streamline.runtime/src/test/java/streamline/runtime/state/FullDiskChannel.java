package streamline.runtime.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.StandardOpenOption;

/**
 * A file channel on a disk that fills up: writes succeed until a byte budget runs out, and the write that crosses
 * it writes part of its bytes and then throws, as a full disk does. Truncation can be made to fail too, and a write
 * can meet an interrupt (done all the same, then the channel closed under it).
 */
final class FullDiskChannel extends FileChannel {

    /** The failure switches of the channels a test opens. */
    static final class Disk {
        volatile long bytesLeft = Long.MAX_VALUE;
        volatile boolean failTruncate;
        /** The next write is done, then the channel is closed and the write throws, as the JDK does when an interrupt meets it. */
        volatile boolean interruptNextWrite;
        /** The next write succeeds, and an interrupt comes right after it (it meets the caller's next I/O). */
        volatile boolean interruptAfterNextWrite;

        FileStateManager.JournalOpener opener() {
            return file -> new FullDiskChannel(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE), this);
        }
    }

    private final FileChannel delegate;
    private final Disk disk;

    FullDiskChannel(FileChannel delegate, Disk disk) {
        this.delegate = delegate;
        this.disk = disk;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (disk.interruptNextWrite) {
            disk.interruptNextWrite = false;
            int written = delegate.write(src, position);
            disk.bytesLeft -= written;
            Thread.currentThread().interrupt();
            close();
            throw new ClosedByInterruptException();
        }
        long left = disk.bytesLeft;
        if (src.remaining() > left) {
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + (int) Math.max(0, left));
            int written = delegate.write(part, position);
            src.position(src.position() + written);
            disk.bytesLeft = 0;
            throw new IOException("No space left on device");
        }
        int written = delegate.write(src, position);
        disk.bytesLeft = left - written;
        if (disk.interruptAfterNextWrite) {
            disk.interruptAfterNextWrite = false;
            Thread.currentThread().interrupt();
        }
        return written;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int written = write(src, delegate.position());
        delegate.position(delegate.position() + written);
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
        if (disk.failTruncate) {
            throw new IOException("Input/output error (truncate)");
        }
        delegate.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        delegate.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new IOException("not used by the tests");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new IOException("not used by the tests");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
