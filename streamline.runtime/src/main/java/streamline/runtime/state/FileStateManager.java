package streamline.runtime.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import streamline.api.state.StateException;
import streamline.api.state.StateManager;
import streamline.api.state.StateScope;

import streamline.runtime.content.ContentStore;

/**
 * A processor's state per scope under the engine's state folder: a snapshot ({@code <owner>.<scope>.json},
 * replaced atomically: temporary file, force, rename, force the folder) and a journal of the per-key updates
 * since ({@code .journal}, a JSON line each). An update appends its line and is forced together with the
 * updates of other threads that came meanwhile (group commit), so its cost does not grow with the state; the
 * journal is folded into a new snapshot once it is larger than the snapshot (and 64 KiB). Every line carries
 * the snapshot's generation: a crash between a new snapshot and the journal's truncation leaves lines of an
 * older generation, which loading skips; a torn last line is cut off. A node without a cluster keeps
 * {@link StateScope#CLUSTER} state locally too.
 */
public final class FileStateManager implements StateManager {

    private static final Logger LOG = LogManager.getLogger(FileStateManager.class);
    private static final long MIN_JOURNAL_TO_FOLD = 64 * 1024;
    /** How often a force is tried when interrupts from other threads keep closing its channel. */
    private static final int FORCE_ATTEMPTS = 3;

    private final Path directory;
    private final String owner;
    private final ObjectMapper json;
    /** Guarded by this. */
    private final Map<StateScope, Scope> scopes = new EnumMap<>(StateScope.class);

    /** One scope's files, the state they make, and its group commit. */
    static final class Scope {
        final Path snapshot;
        final Path journal;
        final Object forcing = new Object();
        TreeMap<String, String> current = new TreeMap<>();
        long generation;
        long snapshotBytes;
        long journalBytes;
        /** Updates appended, and forced, since the scope was loaded. */
        long written;
        volatile long forced;

        Scope(Path snapshot, Path journal) {
            this.snapshot = snapshot;
            this.journal = journal;
        }
    }

    /** Opens a scope's journal for writing (tests pass one whose writes fail, as on a full disk). */
    @FunctionalInterface
    interface JournalOpener {
        FileChannel open(Path journal) throws IOException;

        JournalOpener FILES = journal -> FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private final JournalOpener opener;
    private final StateLoader loader;

    public FileStateManager(Path directory, String owner, ObjectMapper json) {
        this(directory, owner, json, JournalOpener.FILES);
    }

    FileStateManager(Path directory, String owner, ObjectMapper json, JournalOpener opener) {
        this.directory = directory;
        this.owner = owner;
        this.json = json;
        this.opener = opener;
        this.loader = new StateLoader(json);
    }

    @Override
    public synchronized Map<String, String> get(StateScope scope) throws StateException {
        return Map.copyOf(loaded(scope).current);
    }

    @Override
    public synchronized void set(StateScope scope, Map<String, String> state) throws StateException {
        Scope s = loaded(scope);
        try {
            writeSnapshot(s, new TreeMap<>(state));
        } catch (IOException e) {
            throw new StateException("cannot write the state of " + owner + " to " + s.snapshot + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized boolean replace(StateScope scope, Map<String, String> expected, Map<String, String> updated)
            throws StateException {
        if (!Objects.equals(loaded(scope).current, new TreeMap<>(expected))) {
            return false;
        }
        set(scope, updated);
        return true;
    }

    @Override
    public void update(StateScope scope, Map<String, String> puts, Set<String> removals) throws StateException {
        Scope s;
        long mine;
        synchronized (this) {
            s = loaded(scope);
            try {
                ObjectNode line = json.createObjectNode().put("g", s.generation);
                line.set("put", json.valueToTree(new TreeMap<>(puts)));
                line.set("remove", json.valueToTree(removals.stream().filter(key -> !puts.containsKey(key)).sorted().toList()));
                byte[] bytes = (json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
                Files.createDirectories(directory);
                appendLine(s, bytes);
                s.journalBytes += bytes.length;
                s.current.keySet().removeAll(removals);
                s.current.putAll(puts);
                mine = ++s.written;
                if (s.journalBytes > Math.max(MIN_JOURNAL_TO_FOLD, s.snapshotBytes) && foldAfterUpdate(s)) {
                    return; // the fold forced everything so far
                }
            } catch (IOException e) {
                throw new StateException("cannot update the state of " + owner + " in " + s.journal + ": " + e.getMessage(), e);
            }
        }
        forceUpTo(s, mine);
    }

    /**
     * Writes a line at the end of the journal's good lines. A write that fails half-way is cut off again; if even
     * that fails, the next line is written over the fragment all the same (it starts where the good lines end), so a
     * failed update never turns the updates acknowledged after it into the tail of a broken line. The caller holds this.
     */
    private void appendLine(Scope s, byte[] bytes) throws IOException {
        try (FileChannel channel = opener.open(s.journal)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer, s.journalBytes + buffer.position());
                }
            } catch (IOException e) {
                cutBack(s, channel, e);
                throw e;
            }
        }
    }

    /**
     * Cuts a failed write's bytes off the journal, through a new channel if the failure closed this one: an interrupt
     * closes a channel under its write after the JDK wrote the bytes all the same, and a whole line left there would
     * come back at the next load although its update threw. The interrupt is held aside meanwhile (it would close the
     * new channel too) and given back; the cut is forced, so no power loss brings the line back either.
     */
    private void cutBack(Scope s, FileChannel channel, IOException failure) {
        boolean interrupted = Thread.interrupted();
        try {
            if (channel.isOpen()) {
                channel.truncate(s.journalBytes);
                channel.force(false);
            } else {
                try (FileChannel again = opener.open(s.journal)) {
                    again.truncate(s.journalBytes);
                    again.force(false);
                }
            }
        } catch (IOException truncateFailed) {
            failure.addSuppressed(truncateFailed);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Group commit: the first waiter forces the journal for every update appended by then; the others find it done. */
    private void forceUpTo(Scope s, long mine) throws StateException {
        synchronized (s.forcing) {
            if (s.forced >= mine) {
                return;
            }
            long upTo;
            synchronized (this) {
                upTo = s.written;
            }
            try {
                forceJournal(s);
            } catch (NoSuchFileException e) {
                // folded into a snapshot meanwhile, which was forced
            } catch (IOException e) {
                throw new StateException("cannot force the state of " + owner + " in " + s.journal + ": " + e, e);
            }
            s.forced = Math.max(s.forced, upTo);
        }
    }

    /**
     * Forces the journal. The update it serves is applied already (its line written, the state changed): an
     * interrupt must not make it throw, so the interrupt is held aside (given back afterwards), and a force whose
     * channel an interrupt from elsewhere closed is done again through a new one.
     */
    private void forceJournal(Scope s) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; ; attempt++) {
                try (FileChannel channel = FileChannel.open(s.journal, StandardOpenOption.WRITE)) {
                    channel.force(false);
                    return;
                } catch (ClosedChannelException e) {
                    interrupted |= Thread.interrupted();
                    if (attempt == FORCE_ATTEMPTS) {
                        throw e;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The scope, read from its files the first time. The caller holds this. */
    private Scope loaded(StateScope scope) throws StateException {
        Scope s = scopes.get(scope);
        if (s != null) {
            return s;
        }
        String base = owner + "." + scope.name().toLowerCase(Locale.ROOT);
        s = new Scope(directory.resolve(base + ".json"), directory.resolve(base + ".journal"));
        try {
            loader.readSnapshot(s);
            loader.replayJournal(s);
        } catch (IOException e) {
            throw new StateException("cannot read the state of " + owner + " from " + s.snapshot + ": " + e.getMessage(), e);
        }
        scopes.put(scope, s);
        return s;
    }

    /** Writes {@code state} as the next generation's snapshot, then empties the journal. The caller holds this. */
    private void writeSnapshot(Scope s, TreeMap<String, String> state) throws IOException {
        installSnapshot(s, state, prepareSnapshot(s, state));
    }

    /** A next generation's snapshot, written and forced under its temporary name. */
    private record PreparedSnapshot(Path temporary, long generation, int size) {
    }

    /** Writes and forces the next generation's snapshot under a temporary name; nothing else changes. The caller holds this. */
    private PreparedSnapshot prepareSnapshot(Scope s, TreeMap<String, String> state) throws IOException {
        Files.createDirectories(directory);
        long generation = s.generation + 1;
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("generation", generation);
        root.put("state", state);
        byte[] bytes = json.writeValueAsBytes(root);
        Path temp = s.snapshot.resolveSibling(s.snapshot.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        }
        return new PreparedSnapshot(temp, generation, bytes.length);
    }

    /** Renames a prepared snapshot into place and empties the journal. The caller holds this. */
    private void installSnapshot(Scope s, TreeMap<String, String> state, PreparedSnapshot prepared) throws IOException {
        Files.move(prepared.temporary(), s.snapshot, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        ContentStore.forceDirectory(directory);
        // lines left by a crash before this truncation carry the older generation, which loading skips
        Files.deleteIfExists(s.journal);
        s.generation = prepared.generation();
        s.snapshotBytes = prepared.size();
        s.journalBytes = 0;
        if (s.current != state) {
            s.current = new TreeMap<>(state);
        }
        s.forced = s.written;
    }

    /**
     * Folds a grown journal into a snapshot after an update that is in the journal already: a snapshot that cannot
     * be written (a full disk) fails no update, the journal keeps it and the fold is tried at the next one.
     *
     * @return whether it folded (everything is forced then)
     */
    private boolean foldAfterUpdate(Scope s) throws IOException {
        PreparedSnapshot prepared;
        try {
            prepared = prepareSnapshot(s, s.current);
        } catch (IOException e) {
            LOG.warn("cannot fold the state journal {} of {} into a snapshot now; the journal keeps growing until it can: {}",
                    s.journal, owner, e.toString());
            return false;
        }
        installSnapshot(s, s.current, prepared);
        return true;
    }
}
