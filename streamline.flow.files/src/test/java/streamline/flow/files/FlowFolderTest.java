package streamline.flow.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.PageRequest;
import streamline.flow.memory.InMemoryFlowManager;

class FlowFolderTest {

    @TempDir
    Path directory;

    private static final long FLOW_FILE_LIMIT = 64 * 1024;

    private final InMemoryFlowManager store = new InMemoryFlowManager();

    private static String flow(String name, String description, String flow) {
        return """
                {"name": "%s", "description": "%s",
                 "processors": [{"name": "A", "type": "Noop"}, {"name": "B", "type": "Noop"}],
                 "flow": "%s"}
                """.formatted(name, description, flow);
    }

    private FlowDefinition stored(String name) throws Exception {
        return store.flow(FlowDefinition.idFromName(name));
    }

    /** The description the file gave, without the origin line the folder adds. */
    private String description(String name) throws Exception {
        return FlowOrigin.withoutOrigin(stored(name)).description();
    }

    @Test
    void loadsReloadsOnChangeKeepsTheLastGoodVersionAndDeactivatesRemovedFiles() throws Exception {
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        Path file = directory.resolve("orders.json");
        Files.writeString(file, flow("orders", "v1", "A->B"));
        folder.scan(store);
        assertEquals("v1", description("orders"));
        Instant firstSave = stored("orders").lastUpdated();

        folder.scan(store);
        assertEquals(firstSave, stored("orders").lastUpdated(), "an unchanged file is not saved again");

        Files.writeString(file, flow("orders", "v2", "A->B"));
        folder.scan(store);
        assertEquals("v2", description("orders"), "a changed file is reloaded");

        Files.writeString(file, flow("orders", "v3", "A->C"));
        folder.scan(store);
        assertEquals("v2", description("orders"), "a refused file leaves the last good version");

        Files.delete(file);
        folder.scan(store);
        assertFalse(stored("orders").active(), "a removed file's flow is inactive");
    }

    private static String copyFlow(String description, String config) {
        return """
                {"name": "copy", "description": "%s",
                 "processors": [{"name": "A", "type": "Copy", "config": %s}, {"name": "B", "type": "NotProvidedYet",
                   "config": {"anything": ["goes"]}}],
                 "flow": "A->B"}
                """.formatted(description, config);
    }

    @Test
    void aFileWithAWrongOrMissingKeyIsRefusedAndTheLastGoodVersionKeepsRunning() throws Exception {
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT, new DeclaredTypes()::check);
        Path file = directory.resolve("copy.json");
        Files.writeString(file, copyFlow("v1", "{\"input\": \"in/a.txt\", \"remove_source\": true}"));
        folder.scan(store);
        assertEquals("v1", description("copy"), "a type not provided yet is no error for a flow file");

        Files.writeString(file, copyFlow("v2", "{\"input\": \"in/a.txt\", \"remove_source\": \"yes\"}"));
        folder.scan(store);
        assertEquals("v1", description("copy"), "a wrong type refuses the file: nothing is saved");

        Files.writeString(file, copyFlow("v3", "{\"remove_source\": false, \"args\": \"x\"}"));
        folder.scan(store);
        assertEquals("v1", description("copy"), "a missing required key and a list given as text refuse the file");

        Files.writeString(file, copyFlow("v4", "{\"path\": \"in/b.txt\", \"args\": [\"-v\"], \"extra\": 1}"));
        folder.scan(store);
        assertEquals("v4", description("copy"), "a corrected file is saved; an unknown key is only warned about");
    }

    @Test
    void aRestartDoesNotSaveAnUnchangedFlowAgainAndANewStoreGetsEverything() throws Exception {
        Files.writeString(directory.resolve("a.json"), flow("a", "", "A->B"));
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(store);
        Instant saved = stored("a").lastUpdated();
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(store);
        assertEquals(saved, stored("a").lastUpdated(), "the store already holds it: not saved (and re-activated) again");

        InMemoryFlowManager other = new InMemoryFlowManager();
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        folder.scan(store);
        folder.scan(other);
        assertEquals(1, other.listFlows(new PageRequest(0, 10), Instant.EPOCH).items().size());
    }

    @Test
    void aSecondFileDefiningTheSameFlowIsRefused() throws Exception {
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        Files.writeString(directory.resolve("a.json"), flow("same", "first", "A->B"));
        folder.scan(store);
        Files.writeString(directory.resolve("b.json"), flow("same", "second", "A->B"));
        folder.scan(store);
        assertEquals("first", description("same"));
        Files.delete(directory.resolve("b.json"));
        folder.scan(store);
        assertTrue(stored("same").active(), "removing the refused file does not stop the flow the other file defines");
    }

    @Test
    void badFilesOfEveryKindNeverKeepTheOthersFromLoading() throws Exception {
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        Files.writeString(directory.resolve("a-null.json"), flow("nulls", "", "A->B").replace("\"type\": \"Noop\"}",
                "\"type\": \"Noop\", \"config\": {\"m\": {\"path\": null}}}"));
        Files.writeString(directory.resolve("b-nested.json"), flow("nested", "", "[".repeat(10_000) + "A" + "]".repeat(10_000)));
        Files.writeString(directory.resolve("c-deep.json"), flow("deep", "", "A->B").replace("\"type\": \"Noop\"}",
                "\"type\": \"Noop\", \"config\": {\"x\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}}"));
        Path large = directory.resolve("d-large.json");
        Files.writeString(large, flow("large", "x".repeat((int) FLOW_FILE_LIMIT), "A->B"));
        Files.writeString(directory.resolve("e-good.json"), flow("good", "", "A->B"));
        folder.scan(store);
        assertTrue(stored("good").active(), "the good file after the bad ones is loaded");
        assertEquals(1, store.listFlows(new PageRequest(0, 10), Instant.EPOCH).items().size(), "only the good file is loaded");

        Files.delete(directory.resolve("e-good.json"));
        folder.scan(store);
        assertFalse(stored("good").active(), "a removed file still deactivates its flow beside the bad ones");

        Files.writeString(large, flow("large", "now small", "A->B"));
        folder.scan(store);
        assertEquals("now small", description("large"), "a file back under the limit is read");
    }

    @Test
    void aRenamedFileKeepsItsFlowRunningUntouched() throws Exception {
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        Files.writeString(directory.resolve("a.json"), flow("orders", "v1", "A->B"));
        folder.scan(store);
        Instant saved = stored("orders").lastUpdated();

        Files.move(directory.resolve("a.json"), directory.resolve("b.json"));
        folder.scan(store);
        assertTrue(stored("orders").active(), "the renamed file still defines the flow");
        assertEquals(saved, stored("orders").lastUpdated(), "the flow is neither saved again nor stopped");

        Files.writeString(directory.resolve("b.json"), flow("orders", "v2", "A->B"));
        folder.scan(store);
        assertEquals("v2", description("orders"), "the renamed file is read like any other");
        assertTrue(stored("orders").active());
    }

    @Test
    void aFlowRenamedInItsFileStopsTheOldFlowOnceTheNewOneIsSaved() throws Exception {
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        Path file = directory.resolve("a.json");
        Files.writeString(file, flow("orders", "", "A->B"));
        folder.scan(store);
        Files.writeString(file, flow("invoices", "", "A->B"));
        folder.scan(store);
        assertTrue(stored("invoices").active(), "the new name is a new flow");
        assertFalse(stored("orders").active(), "the flow of the old name is stopped");

        Files.writeString(file, flow("orders", "", "A->B"));
        folder.scan(store);
        assertTrue(stored("orders").active(), "renamed back: the old flow runs again");
        assertFalse(stored("invoices").active());
    }

    @Test
    void atStartFlowsWhoseFilesWentAwayMeanwhileAreStoppedAndOthersLeftAlone() throws Exception {
        Files.writeString(directory.resolve("a.json"), flow("a", "", "A->B"));
        Files.writeString(directory.resolve("b.json"), flow("b", "", "A->B"));
        Files.writeString(directory.resolve("c.json"), flow("c", "", "A->B"));
        Files.writeString(directory.resolve("d.json"), flow("d", "", "A->B"));
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(store);
        FlowDefinition manual = new FlowJson().read(flow("manual", "saved by other means", "A->B"), "shell");
        store.save(manual);

        // stopped: a.json removed, b.json broken, c.json renamed, d.json untouched
        Files.delete(directory.resolve("a.json"));
        Files.writeString(directory.resolve("b.json"), "{ not json");
        Files.move(directory.resolve("c.json"), directory.resolve("c2.json"));
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(store);

        assertFalse(stored("a").active(), "the flow of the removed file is stopped at start");
        assertTrue(stored("b").active(), "a refused file's last good version keeps running");
        assertTrue(stored("c").active(), "a renamed file still defines its flow");
        assertTrue(stored("d").active());
        assertTrue(stored("manual").active(), "a flow saved by other means is not the folder's to stop");
        assertEquals(manual.description(), stored("manual").description());
    }

    @Test
    void aFlowRenamedInItsFileWhileStoppedIsStoppedAtStartOnceTheNewOneIsSaved() throws Exception {
        Path file = directory.resolve("a.json");
        Files.writeString(file, flow("orders", "", "A->B"));
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(store);

        // stopped; the flow renamed in its file
        Files.writeString(file, flow("invoices", "", "A->B"));
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(store);
        assertTrue(stored("invoices").active());
        assertFalse(stored("orders").active(), "no file defines the old flow now, although its file is still there");
    }

    @Test
    void aFileRemovedBetweenTheListingAndItsReadAtStartHasItsFlowStopped() throws Exception {
        Files.writeString(directory.resolve("a.json"), flow("a", "", "A->B"));
        Files.writeString(directory.resolve("b.json"), flow("b", "", "A->B"));
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(store);

        // at the next start b.json is removed while the scan reads a.json, after the folder was listed
        FlowJson json = new FlowJson();
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT, (text, where) -> {
            if (where.equals("a.json")) {
                try {
                    Files.deleteIfExists(directory.resolve("b.json"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return json.read(text, where);
        });
        folder.scan(store);
        folder.scan(store);
        assertTrue(stored("a").active());
        assertFalse(stored("b").active(), "its file is gone: not kept as a refused file's last good version");
    }

    @Test
    void twoFilesNamingOneFlowAreBothRefusedWhicheverIsListedFirst() throws Exception {
        Files.writeString(directory.resolve("orders.json"), flow("orders", "v1", "A->B"));
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(store);
        Instant saved = stored("orders").lastUpdated();

        // stopped; the running file edited and an old copy placed beside it, with either name first
        Files.writeString(directory.resolve("orders.json"), flow("orders", "v2", "A->B"));
        Files.writeString(directory.resolve("a-backup.json"), flow("orders", "v0", "A->B"));
        Files.writeString(directory.resolve("z-backup.json"), flow("orders", "v0", "A->B"));
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        folder.scan(store);
        assertEquals(saved, stored("orders").lastUpdated(), "no file of the clash is saved");
        assertEquals("v1", description("orders"));
        assertTrue(stored("orders").active(), "the version saved last keeps running");

        Files.delete(directory.resolve("a-backup.json"));
        folder.scan(store);
        assertEquals("v1", description("orders"), "still two files");
        Files.delete(directory.resolve("z-backup.json"));
        folder.scan(store);
        assertEquals("v2", description("orders"), "one file left: it is loaded");
        assertTrue(stored("orders").active());
    }

    @Test
    void anErrorWhileReadingOneFileRefusesItAndTheOthersLoad() throws Exception {
        AtomicInteger bigReads = new AtomicInteger();
        FlowJson json = new FlowJson();
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT, (text, where) -> {
            if (text.contains("\"big\"")) {
                bigReads.incrementAndGet();
                throw new OutOfMemoryError("Java heap space");
            }
            return json.read(text, where);
        });
        Files.writeString(directory.resolve("a-big.json"), flow("big", "", "A->B"));
        Files.writeString(directory.resolve("b-good.json"), flow("good", "", "A->B"));
        Files.writeString(directory.resolve("c-good.json"), flow("other", "", "A->B"));
        folder.scan(store);
        folder.scan(store);
        assertTrue(stored("good").active());
        assertTrue(stored("other").active());
        assertEquals(1, bigReads.get(), "a refused file is not read again until it changes");
        assertEquals(2, store.listFlows(new PageRequest(0, 10), Instant.EPOCH).items().size());
    }

    @Test
    void aStoreThrowingOnOneFlowKeepsTheOthersLoading() throws Exception {
        FlowManager failingOnBad = (FlowManager) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { FlowManager.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("save") && ((FlowDefinition) args[0]).name().equals("bad")) {
                        throw new IllegalStateException("the store broke on this flow");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Files.writeString(directory.resolve("a-bad.json"), flow("bad", "", "A->B"));
        Files.writeString(directory.resolve("b-good.json"), flow("good", "", "A->B"));
        new FlowFolder(directory, FLOW_FILE_LIMIT).scan(failingOnBad);
        assertTrue(stored("good").active(), "the file after the one the store failed on is saved");
    }
}
