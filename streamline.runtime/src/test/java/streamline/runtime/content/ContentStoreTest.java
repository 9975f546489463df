package streamline.runtime.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.processor.ContentSource;

/** Trigger content imported into one container a batch: claims read back, released, swept. */
class ContentStoreTest {

    @TempDir
    Path directory;

    private static ContentSource text(String content) {
        return () -> new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
    }

    private static String read(ContentStore store, String id) throws IOException {
        try (InputStream in = store.open(id)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(directory.resolve("content"))) {
            return files.toList();
        }
    }

    private List<String> importAll(ContentStore store, String... contents) throws IOException {
        List<String> ids = new ArrayList<>();
        try (ContentClaims.Batch batch = store.importBatch()) {
            for (String content : contents) {
                ids.add(batch.add(text(content)));
            }
            batch.force();
        }
        return ids;
    }

    @Test
    void aBatchIsOneFileEachItemReadsItsOwnRangeAndTheFileGoesWithTheLastClaim() throws Exception {
        ContentStore store = new ContentStore(directory.resolve("content"));
        List<String> ids = importAll(store, "first", "", "third item");
        assertEquals(1, files().size(), "one container for the batch: " + files());
        assertEquals("first", read(store, ids.get(0)));
        assertEquals("", read(store, ids.get(1)));
        assertEquals("third item", read(store, ids.get(2)));

        store.delete(ids.get(0));
        store.delete(ids.get(0)); // released twice (an undo after an end, say): counts once
        store.delete(ids.get(1));
        assertEquals(1, files().size(), "a claim is still live");
        assertEquals("third item", read(store, ids.get(2)));
        store.delete(ids.get(2));
        assertEquals(List.of(), files(), "the container goes with its last claim");
    }

    @Test
    void anItemWhoseContentFailsLeavesNothingAndTheNextItemReadsRight() throws Exception {
        ContentStore store = new ContentStore(directory.resolve("content"));
        String good;
        String after;
        try (ContentClaims.Batch batch = store.importBatch()) {
            good = batch.add(text("good"));
            ContentSource broken = () -> new InputStream() {
                private int left = 3;

                @Override
                public int read() throws IOException {
                    if (left-- > 0) {
                        return 'x';
                    }
                    throw new IOException("source went away");
                }
            };
            assertThrows(IOException.class, () -> batch.add(broken));
            after = batch.add(text("after"));
            batch.force();
        }
        assertEquals("good", read(store, good));
        assertEquals("after", read(store, after), "the broken item's bytes are not in the next claim");
    }

    @Test
    void aBatchWhoseFirstItemFailsLeavesNoFile() throws Exception {
        ContentStore store = new ContentStore(directory.resolve("content"));
        try (ContentClaims.Batch batch = store.importBatch()) {
            assertThrows(IOException.class, () -> batch.add(() -> {
                throw new IOException("unreadable");
            }));
        }
        assertEquals(List.of(), files());
    }

    @Test
    void afterARestartTheSweepKeepsContainersOfLiveClaimsOnlyAndTheyAreReleasedAsBefore() throws Exception {
        ContentStore before = new ContentStore(directory.resolve("content"));
        List<String> kept = importAll(before, "live one", "finished");
        List<String> finished = importAll(before, "all finished");
        // a crash: the store is opened again, and only the first claim belongs to a recovered session
        ContentStore after = new ContentStore(directory.resolve("content"));
        assertEquals(1, after.sweep(Set.of(kept.get(0))), "the container of finished sessions swept");
        assertEquals("live one", read(after, kept.get(0)));
        assertThrows(IOException.class, () -> read(after, finished.get(0)));
        after.delete(kept.get(0));
        assertEquals(List.of(), files(), "the container goes with the last recovered claim");
    }

    @Test
    void emptyItemsOfOneBatchAreReadByEverySessionWhateverEndsFirstAndAfterARestart() throws Exception {
        ContentStore store = new ContentStore(directory.resolve("content"));
        List<String> ids = importAll(store, "", "", "", "some", "");
        store.delete(ids.get(0)); // the first session to end
        assertEquals("", read(store, ids.get(1)), "another empty item of the batch is still readable");
        assertEquals("some", read(store, ids.get(3)));
        List<String> only = importAll(store, "", "");
        store.delete(only.get(0));
        assertEquals("", read(store, only.get(1)));

        // a crash: the sessions of the empty items are recovered
        ContentStore after = new ContentStore(directory.resolve("content"));
        after.sweep(new HashSet<>(List.of(ids.get(1), ids.get(2), ids.get(4), only.get(1)))); // alike ids: one entry
        after.delete(ids.get(1));
        assertEquals("", read(after, ids.get(2)));
        assertEquals("", read(after, only.get(1)));
        after.delete(ids.get(2));
        assertEquals("", read(after, ids.get(4)));
        after.delete(ids.get(4));
        after.delete(only.get(1));
        assertEquals(List.of(), files(), "no container stays behind");
    }

    @Test
    void aForgedClaimNamingAFileOutsideTheStoreIsRefused() throws Exception {
        ContentStore store = new ContentStore(directory.resolve("content"));
        Files.writeString(directory.resolve("secret"), "secret");
        assertThrows(IllegalArgumentException.class, () -> store.open("../secret:0:6"));
        assertThrows(IllegalArgumentException.class, () -> store.open(".hidden:0:6"));
        assertThrows(IllegalArgumentException.class, () -> store.open("../secret:0:0"));
    }
}
