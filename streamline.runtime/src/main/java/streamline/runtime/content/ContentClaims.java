package streamline.runtime.content;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import streamline.api.processor.ContentSource;

/**
 * Content imported in batches: the items of one trigger call are appended to one container file, forced once,
 * and each is a claim on a range of it ({@code <container>:<offset>:<length>}). Creating, forcing and naming a
 * file per item would cost a file creation and a force each, which on a journaling file system wait for one
 * another's journal commits; a container costs one of each for the whole batch. A container is deleted once
 * its last claim is released (the sessions holding it ended); after a restart the live claims are taken from
 * the sessions recovered, and containers none of them holds are swept. A claim of no bytes (an empty file) holds
 * nothing: it reads as empty without its container, so the many empty items of one batch, whose ids are all alike
 * ({@code <container>:<offset>:0}), never make one of them delete the container the others read.
 */
public final class ContentClaims {

    private static final char SEPARATOR = ':';

    private final Path directory;
    /** Guarded by this: the claims not yet released, by container file name. */
    private final Map<String, Set<String>> live = new HashMap<>();

    ContentClaims(Path directory) {
        this.directory = directory;
    }

    /** A claim on a range of a container. */
    record Claim(String container, long offset, long length) {
        String id() {
            return container + SEPARATOR + offset + SEPARATOR + length;
        }
    }

    /** The claim a content id names, or null if it names a file of its own. */
    static Claim parse(String contentId) {
        int second = contentId.lastIndexOf(SEPARATOR);
        int first = second <= 0 ? -1 : contentId.lastIndexOf(SEPARATOR, second - 1);
        if (first <= 0) {
            return null;
        }
        try {
            Claim claim = new Claim(contentId.substring(0, first), Long.parseLong(contentId.substring(first + 1, second)),
                    Long.parseLong(contentId.substring(second + 1)));
            return claim.offset() < 0 || claim.length() < 0 ? null : claim;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The container's file; refuses a name that is not one (a content id from a damaged or forged entry). */
    Path containerPath(Claim claim) {
        return ContentStore.fileIn(directory, claim.container(), "content container");
    }

    /** Starts a batch: its items go to a container of their own. */
    Batch batch() {
        return new Batch();
    }

    /** A container being filled by one batch of items; closed after use, forced or not. */
    public final class Batch implements AutoCloseable {
        private final String container = "batch-" + UUID.randomUUID();
        private FileChannel channel;
        private long size;
        private final List<String> claims = new ArrayList<>();

        /** Appends one item's content; on failure nothing of it counts (its bytes are dropped with the container). */
        public String add(ContentSource source) throws IOException {
            if (channel == null) {
                channel = FileChannel.open(directory.resolve(container), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            long start = size;
            try (InputStream in = source.open()) {
                OutputStream out = Channels.newOutputStream(channel);
                long copied = in.transferTo(out);
                size = start + copied;
            } catch (IOException | RuntimeException e) {
                channel.truncate(start);
                size = start;
                throw e;
            }
            String id = new Claim(container, start, size - start).id();
            if (size == start) {
                return id; // holds nothing: read as empty without the container
            }
            synchronized (ContentClaims.this) {
                live.computeIfAbsent(container, name -> new HashSet<>()).add(id);
            }
            claims.add(id);
            return id;
        }

        /** Forces the container and its name; the claims are valid from then on. */
        public void force() throws IOException {
            if (channel == null) {
                return;
            }
            try {
                channel.force(false);
            } finally {
                channel.close();
            }
            ContentStore.forceDirectory(directory);
        }

        /** Closes the container if it is still open (a batch given up): its claims are released by their owners. */
        @Override
        public void close() throws IOException {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
            if (claims.isEmpty()) {
                Files.deleteIfExists(directory.resolve(container));
            }
        }
    }

    /** Opens a claim's range for reading. */
    InputStream open(Claim claim) throws IOException {
        Path container = containerPath(claim);
        if (claim.length() == 0) {
            return InputStream.nullInputStream();
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(container, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new IOException("content container " + claim.container() + " is missing from " + directory, e);
        }
        return new RangeStream(channel, claim.offset(), claim.length());
    }

    /** Releases a claim; its container is deleted with its last one. Releasing one twice does nothing. */
    void release(Claim claim) throws IOException {
        if (claim.length() == 0) {
            return; // it held nothing
        }
        synchronized (this) {
            Set<String> claims = live.get(claim.container());
            if (claims == null || !claims.remove(claim.id()) || !claims.isEmpty()) {
                return;
            }
            live.remove(claim.container());
        }
        Files.deleteIfExists(containerPath(claim));
    }

    /** Takes the claims of recovered sessions as the live ones; returns the containers they hold. */
    Set<String> recovered(Set<String> liveContentIds) {
        Set<String> containers = new HashSet<>();
        synchronized (this) {
            for (String id : liveContentIds) {
                Claim claim = parse(id);
                if (claim != null && claim.length() > 0) {
                    live.computeIfAbsent(claim.container(), name -> new HashSet<>()).add(id);
                    containers.add(claim.container());
                }
            }
            containers.addAll(live.keySet());
        }
        return containers;
    }

    /** A range of a container, read with positional reads (the channel's own position is never used). */
    private static final class RangeStream extends InputStream {
        private final FileChannel channel;
        private long position;
        private final long end;

        RangeStream(FileChannel channel, long offset, long length) {
            this.channel = channel;
            this.position = offset;
            this.end = offset + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            long left = end - position;
            if (left <= 0) {
                return -1;
            }
            int read = channel.read(ByteBuffer.wrap(bytes, offset, (int) Math.min(length, left)), position);
            if (read < 0) {
                throw new IOException("content container ends before its claim's end (" + end + " bytes)");
            }
            position += read;
            return read;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - position);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
