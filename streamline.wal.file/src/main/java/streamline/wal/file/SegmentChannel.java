package streamline.wal.file;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The channel of the segment being written, for the operations made under the write lock. An interrupt
 * closes a JDK file channel under whatever operation it meets, after that operation may have been done
 * (a JDK rule); failing the operation would fail every append it serves, or leave a failed append's
 * record behind a truncate that the same interrupt closed. So each operation runs with the thread's
 * interrupt held aside, and one that meets a closed channel (this thread's interrupt, or a force
 * leader's closing the channel under it) is done again through a reopened channel; if interrupts keep
 * coming, it is done through a {@link RandomAccessFile}, whose I/O no interrupt breaks. The interrupt is
 * given back to the thread afterwards. Not thread-safe: guarded by the write lock.
 */
final class SegmentChannel {

    /** How often an operation is tried on the channel before interrupts that keep closing it send it to the file. */
    private static final int CHANNEL_ATTEMPTS = 3;

    /** An operation on the channel; it must be safe to do again from its start. */
    interface Operation<T> {
        T run(FileChannel channel) throws IOException;
    }

    /** The same operation through a file whose I/O is not interruptible. */
    interface FileOperation<T> {
        T run(RandomAccessFile file) throws IOException;
    }

    private final FileOpener opener;
    private FileChannel channel;
    private Path file;

    SegmentChannel(FileOpener opener) {
        this.opener = opener;
    }

    /** Takes over a newly created segment. */
    void use(FileChannel opened, Path path) {
        channel = opened;
        file = path;
    }

    /** The segment's file. */
    Path file() {
        return file;
    }

    /** The channel as it is now, for a force outside the write lock (which may find it closed). */
    FileChannel current() {
        return channel;
    }

    private <T> T run(Operation<T> operation, FileOperation<T> fallback) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; attempt <= CHANNEL_ATTEMPTS; attempt++) {
                reopenIfClosed();
                try {
                    return operation.run(channel);
                } catch (ClosedChannelException e) {
                    interrupted |= Thread.interrupted();
                }
            }
            try (RandomAccessFile uninterruptible = new RandomAccessFile(file.toFile(), "rw")) {
                return fallback.run(uninterruptible);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Writes the buffer's bytes at {@code at} (all of them again if a closed channel interrupts it); returns where they end. */
    long write(ByteBuffer buffer, long at) throws IOException {
        if (!buffer.hasRemaining()) {
            return at; // the batch went into the buffer of the policies interval and never
        }
        int from = buffer.position();
        return run(segment -> {
            buffer.position(from);
            long position = at;
            while (buffer.hasRemaining()) {
                position += segment.write(buffer, position);
            }
            return position;
        }, uninterruptible -> {
            buffer.position(from);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            uninterruptible.seek(at);
            uninterruptible.write(bytes);
            return at + bytes.length;
        });
    }

    void force() throws IOException {
        run(segment -> {
            segment.force(false);
            return null;
        }, uninterruptible -> {
            uninterruptible.getFD().sync();
            return null;
        });
    }

    void truncate(long size) throws IOException {
        run(segment -> segment.truncate(size), uninterruptible -> {
            if (uninterruptible.length() > size) {
                uninterruptible.setLength(size);
            }
            return null;
        });
    }

    private void reopenIfClosed() throws IOException {
        if (!channel.isOpen()) {
            channel = opener.open(file, READ, WRITE);
        }
    }

    void close() {
        WalFiles.closeQuietly(channel);
    }
}
