package streamline.wal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
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

import streamline.api.wal.WriteAheadLogException;

/**
 * Opens the real file log on channels that note how far each file was written and how far it was when last forced,
 * through the log's package-private {@link FileOpener} seam, so that an engine test can copy the log's folder as a
 * power loss would leave it: only the forced bytes.
 */
public final class PowerLossFileLog {

    /** Per file opened by the log: the end of its written bytes, and of those written when it was last forced. */
    private final Map<Path, Long> written = new ConcurrentHashMap<>();
    private final Map<Path, Long> forced = new ConcurrentHashMap<>();

    /** Set once every force of the watched files fails from then on, as {@code fsync} does on a failing disk. */
    private volatile boolean forcesFail;

    /** From now on every force of the log's files fails. */
    public void failForces() {
        forcesFail = true;
    }

    /** Opens a log in {@code directory} under policy {@code sync} whose files this one watches. */
    public FileWriteAheadLog open(Path directory, String sync) throws WriteAheadLogException {
        return new FileWriteAheadLog(WalOptions.defaults(directory).withSync(SyncPolicy.parse(sync)),
                (file, options) -> new Watched(FileChannel.open(file, options), file.toAbsolutePath()));
    }

    /**
     * Copies {@code from} into {@code to} as a power loss now would leave it: every file the log wrote keeps only what
     * was written before its last force, zeros in place of the rest (what recovery trims as padding). Files created,
     * renamed and deleted count as done (the log forces the directory after each).
     */
    public void powerLossCopy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (!Files.isRegularFile(file) || file.getFileName().toString().equals("wal.lock")) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(file);
                Path key = file.toAbsolutePath();
                if (written.containsKey(key)) {
                    long durable = forced.getOrDefault(key, 0L);
                    for (long i = durable; i < bytes.length; i++) {
                        bytes[(int) i] = 0;
                    }
                }
                Files.write(to.resolve(file.getFileName()), bytes, StandardOpenOption.CREATE_NEW);
            }
        }
    }

    /** A channel that notes its writes and forces. */
    private final class Watched extends FileChannel {
        private final FileChannel delegate;
        private final Path file;

        Watched(FileChannel delegate, Path file) {
            this.delegate = delegate;
            this.file = file;
        }

        private void wrote(long end) {
            written.merge(file, end, Math::max);
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
        public int write(ByteBuffer src) throws IOException {
            int count = delegate.write(src);
            wrote(delegate.position());
            return count;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long count = delegate.write(srcs, offset, length);
            wrote(delegate.position());
            return count;
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
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            written.computeIfPresent(file, (f, end) -> Math.min(end, size));
            forced.computeIfPresent(file, (f, end) -> Math.min(end, size));
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            if (forcesFail) {
                throw new IOException("Input/output error (a failed fsync of " + file + ")");
            }
            long end = written.getOrDefault(file, 0L); // what was written before the force began
            delegate.force(metaData);
            forced.merge(file, end, Math::max);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            long transferred = delegate.transferFrom(src, position, count);
            wrote(position + transferred);
            return transferred;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            int count = delegate.write(src, position);
            wrote(position + count);
            return count;
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            if (mode != MapMode.READ_ONLY) {
                throw new UnsupportedOperationException("writes through a mapping are not watched");
            }
            return delegate.map(mode, position, size);
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
}
