package streamline.runtime.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.engine.SessionInfo;

import streamline.runtime.content.ContentStore;
import streamline.runtime.content.FolderForces;

/**
 * Failed sessions kept for inspection: a folder per session under {@code failed/}, holding the input
 * content of the step that failed (file {@code content}, when it had content) and a small
 * {@code session.json} saying what failed, where and why. The folder survives restarts; an operator
 * deletes it when done.
 */
final class FailedSessionStore {

    static final String DESCRIPTION = "session.json";
    static final String CONTENT = "content";

    /**
     * What {@code session.json} holds; times as ISO-8601 text. {@code retriedAs} names the session a retry is starting
     * from it (null before): written before that session's start is logged, so that after a crash in between the
     * record is known as retried exactly when that session is in the log ({@link FailedSessionRetries#settle}).
     */
    record FailedSession(UUID sessionId, UUID flowId, String flowName, UUID processorId, String processorName,
            int attempt, String error, Map<String, Object> metadata, String triggerMark, String startedAt,
            String failedAt, boolean hasContent, UUID triggerId, UUID retriedAs) {

        FailedSession retried(UUID newSession) {
            return new FailedSession(sessionId, flowId, flowName, processorId, processorName, attempt, error, metadata,
                    triggerMark, startedAt, failedAt, hasContent, triggerId, newSession);
        }
    }

    private final Path directory;
    private final ObjectMapper json;
    private final FolderForces.Force forcer;
    private final System.Logger log = System.getLogger(FailedSessionStore.class.getName());

    FailedSessionStore(Path directory, ObjectMapper json) throws IOException {
        this(directory, json, FolderForces.Force.FSYNC);
    }

    /** @param forcer how a folder is forced, so that the names created, renamed or removed in it survive a crash */
    FailedSessionStore(Path directory, ObjectMapper json, FolderForces.Force forcer) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.json = json;
        this.forcer = forcer;
    }

    /** Keeps a failed session, durably: its input content first, then the description that makes it visible. */
    void keep(FailedSession failed, ContentStore content, String inputContentId) throws IOException {
        Path folder = Files.createDirectories(directory.resolve(failed.sessionId().toString()));
        forcer.force(directory); // the record's folder, named in failed/, survives a crash with what it holds
        if (failed.hasContent()) {
            content.copyTo(inputContentId, folder.resolve(CONTENT));
            try (FileChannel copy = FileChannel.open(folder.resolve(CONTENT), StandardOpenOption.WRITE)) {
                copy.force(true); // a retry reads it: whole before its description says it is there
            }
        }
        describe(folder, failed);
    }

    /** Says, durably, that a retry is starting session {@code newSession} from a kept failed session (null: none is). */
    FailedSession retrying(FailedSession failed, UUID newSession) throws IOException {
        FailedSession retrying = failed.retried(newSession);
        describe(directory.resolve(failed.sessionId().toString()), retrying);
        return retrying;
    }

    /** Replaces a description as one step that survives a crash: written and forced aside, renamed, the folder forced. */
    private void describe(Path folder, FailedSession failed) throws IOException {
        Path temp = folder.resolve(DESCRIPTION + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(failed));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temp, folder.resolve(DESCRIPTION), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        forcer.force(folder);
    }

    /** The failed session kept under this id, if there is one. */
    Optional<FailedSession> read(UUID sessionId) throws IOException {
        Path description = directory.resolve(sessionId.toString()).resolve(DESCRIPTION);
        if (!Files.isRegularFile(description)) {
            return Optional.empty();
        }
        return Optional.of(json.readValue(description.toFile(), FailedSession.class));
    }

    /** The kept input content of a failed session. */
    Path contentOf(UUID sessionId) {
        return directory.resolve(sessionId.toString()).resolve(CONTENT);
    }

    /**
     * Removes a failed session: its description first, forced (once this returns, the record does not come back
     * after a crash, not even when the session a retry started from it ended before the crash; after a crash in
     * between it is simply no longer listed, and its leftovers are removed with the next removal of it or by the
     * operator), then its content and folder.
     */
    void remove(UUID sessionId) throws IOException {
        Path folder = directory.resolve(sessionId.toString());
        if (Files.deleteIfExists(folder.resolve(DESCRIPTION))) {
            forcer.force(folder);
        }
        Files.deleteIfExists(folder.resolve(DESCRIPTION + ".tmp"));
        Files.deleteIfExists(folder.resolve(CONTENT));
        Files.deleteIfExists(folder);
    }

    /** The failed sessions kept, newest first. */
    List<FailedSession> list() {
        List<FailedSession> failed = new ArrayList<>();
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(directory, Files::isDirectory)) {
            for (Path folder : folders) {
                Path description = folder.resolve(DESCRIPTION);
                if (Files.isRegularFile(description)) {
                    try {
                        failed.add(json.readValue(description.toFile(), FailedSession.class));
                    } catch (IOException e) {
                        log.log(System.Logger.Level.WARNING, "unreadable failed-session description " + description + ": " + e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            log.log(System.Logger.Level.WARNING, "cannot list failed sessions in " + directory + ": " + e.getMessage());
        }
        failed.sort(Comparator.comparing((FailedSession f) -> Instant.parse(f.failedAt())).reversed());
        return failed;
    }

    static SessionInfo info(FailedSession failed) {
        return new SessionInfo(failed.sessionId(), failed.flowId(), SessionInfo.Status.FAILED, List.of(),
                Instant.parse(failed.startedAt()), failed.error());
    }
}
