package streamline.torture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

import streamline.wal.file.FaultyFileLog;

/**
 * The disk under the file log of every generation of the engine: injects the faults a schedule arms (a write
 * failing with {@code EIO} or with a partial write and {@code ENOSPC}, a failed {@code fsync}, an interrupt
 * arriving during a write) and knows which bytes were forced, so that a power loss can be stood for by a copy of
 * the folder holding only those.
 *
 * <p>Every channel operation runs under the read side of {@link #freeze}; a crash takes the write side, kills the
 * generation (its channels fail from then on, as a dead process's would never write again) and copies the home
 * while no log write is half done.
 */
final class Disk {

    /** What the next matching channel call does instead of succeeding. */
    enum Fault {
        /** The write fails before writing anything: {@code EIO}. */
        WRITE_EIO,
        /** Part of the write lands, then {@code ENOSPC}. */
        WRITE_ENOSPC,
        /** The write completes, then the thread is found interrupted: the JDK closes the channel and throws. */
        WRITE_INTERRUPTED,
        /** {@code fsync} fails: the file's state is unknown afterwards. */
        FORCE_EIO
    }

    /** One generation of the engine (a process): its channels die with it. */
    static final class Generation {
        final int number;
        volatile boolean dead;

        Generation(int number) {
            this.number = number;
        }
    }

    /** What a write or truncate replaced, to undo it when the bytes were never forced. */
    private record Undo(long position, byte[] previous, long previousSize) {
    }

    final ReentrantReadWriteLock freeze = new ReentrantReadWriteLock();
    private final Map<Path, List<Undo>> unforced = new ConcurrentHashMap<>();
    private volatile Fault armed;
    /** How many matching calls pass before the armed fault fires. */
    private final AtomicInteger armedAfter = new AtomicInteger();
    private final AtomicInteger fired = new AtomicInteger();

    /** Arms one fault: it fires on the {@code after}-th next call it applies to. */
    void arm(Fault fault, int after) {
        armedAfter.set(after);
        armed = fault;
    }

    void disarm() {
        armed = null;
    }

    int faultsFired() {
        return fired.get();
    }

    FaultyFileLog.Channels channels(Generation generation) {
        return (file, options) -> open(file, generation, options);
    }

    private FileChannel open(Path file, Generation generation, OpenOption... options) throws IOException {
        freeze.readLock().lock();
        try {
            alive(generation);
            return new FaultChannel(FileChannel.open(file, options), file.toAbsolutePath(), generation, this);
        } finally {
            freeze.readLock().unlock();
        }
    }

    static void alive(Generation generation) throws IOException {
        if (generation.dead) {
            throw new IOException("the process of generation " + generation.number + " is gone");
        }
    }

    /** Whether the armed fault applies to this call; if so it is used up. */
    Fault take(boolean force) {
        Fault fault = armed;
        if (fault == null || (fault == Fault.FORCE_EIO) != force) {
            return null;
        }
        if (armedAfter.getAndDecrement() > 0) {
            return null;
        }
        synchronized (this) {
            if (armed != fault) {
                return null;
            }
            armed = null;
        }
        fired.incrementAndGet();
        return fault;
    }

    /** Called before a write or truncate changes {@code [position, end)} of a file: remembers what was there. */
    void beforeChange(Path file, FileChannel channel, long position, long end) throws IOException {
        long size = channel.size();
        int length = (int) Math.max(0, Math.min(end, size) - position);
        ByteBuffer previous = ByteBuffer.allocate(length);
        while (previous.hasRemaining()) {
            if (channel.read(previous, position + previous.position()) < 0) {
                break;
            }
        }
        unforced.computeIfAbsent(file, f -> new ArrayList<>());
        List<Undo> undo = unforced.get(file);
        synchronized (undo) {
            undo.add(new Undo(position, previous.array(), size));
        }
    }

    /** A force of the file succeeded: everything written to it so far survives a power loss. */
    void forced(Path file) {
        List<Undo> undo = unforced.get(file);
        if (undo != null) {
            synchronized (undo) {
                undo.clear();
            }
        }
    }

    /**
     * Copies {@code from} to {@code to} while no channel operation runs. With {@code powerLoss}, the log's files
     * lose every byte written since their last force, as the disk's cache does; otherwise (a process crash) the
     * copy keeps all that was handed to the OS.
     */
    void copyFrozen(Path from, Path to, boolean powerLoss, Generation dying) throws IOException {
        freeze.writeLock().lock();
        try {
            dying.dead = true;
            copyTree(from, to);
            if (powerLoss) {
                for (Map.Entry<Path, List<Undo>> file : unforced.entrySet()) {
                    if (!file.getKey().startsWith(from)) {
                        continue;
                    }
                    Path copy = to.resolve(from.relativize(file.getKey()));
                    List<Undo> undo = file.getValue();
                    synchronized (undo) {
                        if (Files.exists(copy)) {
                            rollBack(copy, undo);
                        }
                    }
                }
            }
            unforced.keySet().removeIf(file -> file.startsWith(from));
        } finally {
            freeze.writeLock().unlock();
        }
    }

    private static void rollBack(Path copy, List<Undo> undo) throws IOException {
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                Undo change = undo.get(i);
                ByteBuffer previous = ByteBuffer.wrap(change.previous());
                while (previous.hasRemaining()) {
                    channel.write(previous, change.position() + previous.position());
                }
                if (channel.size() > change.previousSize()) {
                    channel.truncate(change.previousSize());
                }
            }
        }
    }

    /**
     * The paths under a folder that an abandoned engine may still change: a file or folder that vanishes during the
     * walk (an ended session's content, a temporary file renamed into place) makes the walk start again.
     */
    static List<Path> walkWhileChanging(Path from) throws IOException {
        for (int attempt = 1;; attempt++) {
            try (Stream<Path> walk = Files.walk(from)) {
                return walk.toList();
            } catch (java.io.UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException) || attempt == 10) {
                    throw e.getCause();
                }
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        if (!Files.exists(from)) {
            return;
        }
        for (Path path : walkWhileChanging(from)) {
            Path target = to.resolve(from.relativize(path));
            try {
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (!path.getFileName().toString().equals("wal.lock")) {
                    Files.createDirectories(target.getParent());
                    Files.copy(path, target);
                }
            } catch (NoSuchFileException e) {
                // deleted meanwhile (an ended session's content): gone in the copy too
            }
        }
    }
}
