package streamline.runtime.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.wal.LogEntry;

/**
 * Which write-ahead log and flow store the engine last used, by name, kept in its work directory
 * ({@code in-use.json}), so that an engine started on others (a target changed while it was down,
 * or during its start) first carries over what the previous ones hold. It also keeps the handovers
 * owed to logs ({@link OwedHandovers}): sessions carried out of a log that could not be told then, whose
 * copies there must be marked handed over before that log is used again. Written atomically and
 * forced: after a crash it names either the old or the new choice, never half of one, so that a move
 * of sessions and the debt it leaves are recorded as one.
 */
final class InUseRecord {

    static final String FILE = "in-use.json";

    /**
     * What the file holds; an empty name: nothing recorded.
     *
     * @param owed by log name, the sessions whose copies in that log are stale: carried out of it (or copied into it by
     *        a move that a crash may have cut short) while it could not be told
     */
    record InUse(String wal, String flowStore,
            // left out when nothing is owed: the file is then what an engine before debts wrote, and can read
            @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<HandedOver>> owed) {
        static final InUse NONE = new InUse("", "", Map.of());

        InUse {
            wal = wal == null ? "" : wal;
            flowStore = flowStore == null ? "" : flowStore;
            Map<String, List<HandedOver>> copy = new TreeMap<>();
            if (owed != null) {
                owed.forEach((log, sessions) -> {
                    if (log != null && sessions != null && !sessions.isEmpty()) {
                        copy.put(log, List.copyOf(sessions));
                    }
                });
            }
            owed = Collections.unmodifiableMap(copy);
        }

        InUse withWal(String name) {
            return new InUse(name, flowStore, owed);
        }

        InUse withFlowStore(String name) {
            return new InUse(wal, name, owed);
        }

        /** The sessions owed to the log of that name (none: empty). */
        List<HandedOver> owedTo(String log) {
            return owed.getOrDefault(log, List.of());
        }

        /** Adds sessions owed to a log (those already owed to it stay once). */
        InUse owing(String log, Collection<HandedOver> sessions) {
            if (sessions.isEmpty()) {
                return this;
            }
            Map<UUID, HandedOver> merged = new LinkedHashMap<>();
            owedTo(log).forEach(session -> merged.put(session.session(), session));
            sessions.forEach(session -> merged.putIfAbsent(session.session(), session));
            Map<String, List<HandedOver>> next = new TreeMap<>(owed);
            next.put(log, List.copyOf(merged.values()));
            return new InUse(wal, flowStore, next);
        }

        /** Removes sessions owed to a log: they were marked handed over in it, or it does not hold them. */
        InUse settled(String log, Collection<HandedOver> sessions) {
            Set<UUID> gone = new HashSet<>();
            sessions.forEach(session -> gone.add(session.session()));
            Map<String, List<HandedOver>> next = new TreeMap<>(owed);
            next.put(log, owedTo(log).stream().filter(session -> !gone.contains(session.session())).toList());
            return new InUse(wal, flowStore, next);
        }
    }

    /** A session carried out of a log: enough to mark it handed over there ({@code SESSION_FINISHED}). */
    record HandedOver(UUID session, UUID flow, String triggerMark) {
        HandedOver {
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(flow, "flow");
            triggerMark = triggerMark == null ? "" : triggerMark;
        }

        /** Each session of {@code entries} once, from its first entry. */
        static List<HandedOver> of(List<LogEntry> entries) {
            Map<UUID, HandedOver> sessions = new LinkedHashMap<>();
            entries.forEach(entry -> sessions.computeIfAbsent(entry.sessionId(),
                    id -> new HandedOver(id, entry.flowId(), entry.triggerMark())));
            return List.copyOf(sessions.values());
        }

        LogEntry finished() {
            return LogEntry.sessionFinished(session, flow, triggerMark, "");
        }
    }

    private final Path file;
    private final ObjectMapper json;

    InUseRecord(Path workDirectory, ObjectMapper json) {
        this.file = workDirectory.resolve(FILE);
        this.json = json;
    }

    Path file() {
        return file;
    }

    /**
     * @throws IOException if the file exists but cannot be read or is not what this class writes: the
     *         engine must not guess where its sessions are
     */
    InUse read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return InUse.NONE;
        }
        try {
            InUse read = json.readValue(bytes, InUse.class);
            if (read == null) {
                throw new IOException(file + " is damaged (it holds null); it names the write-ahead log and flow store the engine last"
                        + " used and the sessions it owes logs it left: fix it, or remove it if that log and store are still the ones"
                        + " configured and no log it left is used again");
            }
            return read;
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is damaged (" + e.getOriginalMessage() + "); it names the write-ahead log and flow store"
                    + " the engine last used and the sessions it owes logs it left: fix it, or remove it if that log and store are"
                    + " still the ones configured and no log it left is used again", e);
        }
    }

    /** Reads, changes and writes the record, one change at a time; returns what it holds now. */
    synchronized InUse update(UnaryOperator<InUse> change) throws IOException {
        InUse before = read();
        InUse after = change.apply(before);
        if (!after.equals(before)) {
            write(after);
        }
        return after;
    }

    /**
     * Writes the record durably. An interrupt pending on the calling thread (one a log's write handed back, or the
     * caller's own) is held aside meanwhile and kept for the caller: the record is a step of a switch of logs and of the
     * handovers owed, and a switch refused for a stray interrupt would leave the engine without a log.
     */
    synchronized void write(InUse inUse) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            writeDurably(inUse);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeDurably(InUse inUse) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(FILE + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(json.writeValueAsBytes(inUse));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(file.getParent());
    }

    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for forcing; the rename itself is still atomic
        }
    }
}
