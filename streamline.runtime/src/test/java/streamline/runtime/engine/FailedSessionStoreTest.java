package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.runtime.content.FolderForces;

/** A failed record's folder survives a crash once kept, and its removal survives one once done. */
class FailedSessionStoreTest {

    @TempDir
    Path directory;

    /** The folders forced, in order, each after the changes made in it before the force. */
    final List<Path> forced = new CopyOnWriteArrayList<>();

    private FailedSessionStore store() throws Exception {
        return new FailedSessionStore(directory.resolve("failed"), new ObjectMapper(), folder -> {
            forced.add(folder);
            FolderForces.Force.FSYNC.force(folder);
        });
    }

    private static FailedSessionStore.FailedSession record(UUID session) {
        String now = Instant.now().toString();
        return new FailedSessionStore.FailedSession(session, UUID.randomUUID(), "flow", UUID.randomUUID(), "Store", 0,
                "IOException: refused", Map.of("name", "o3.bin"), "inbox/o3.bin", now, now, false, null, null);
    }

    @Test
    void aKeptRecordsFolderIsForcedInTheFailedFolderAndItsRemovalIsForcedBeforeRemoveReturns() throws Exception {
        FailedSessionStore store = store();
        UUID session = UUID.randomUUID();
        Path failed = directory.resolve("failed");
        Path folder = failed.resolve(session.toString());
        store.keep(record(session), null, "");
        assertTrue(forced.contains(failed), "the record's folder, new in failed/, is forced there: " + forced);
        assertEquals(folder, forced.get(forced.size() - 1), "its description, renamed into place, last: " + forced);

        forced.clear();
        store.remove(session);
        assertFalse(Files.exists(folder));
        assertEquals(List.of(folder), forced,
                "the description's removal is forced before remove returns, so the record does not come back after a crash");
    }
}
