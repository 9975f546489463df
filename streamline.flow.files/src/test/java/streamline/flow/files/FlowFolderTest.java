package streamline.flow.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.FlowDefinition;
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

    @Test
    void loadsReloadsOnChangeKeepsTheLastGoodVersionAndDeactivatesRemovedFiles() throws Exception {
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        Path file = directory.resolve("orders.json");
        Files.writeString(file, flow("orders", "v1", "A->B"));
        folder.scan(store);
        assertEquals("v1", stored("orders").description());
        Instant firstSave = stored("orders").lastUpdated();

        folder.scan(store);
        assertEquals(firstSave, stored("orders").lastUpdated(), "an unchanged file is not saved again");

        Files.writeString(file, flow("orders", "v2", "A->B"));
        folder.scan(store);
        assertEquals("v2", stored("orders").description(), "a changed file is reloaded");

        Files.writeString(file, flow("orders", "v3", "A->C"));
        folder.scan(store);
        assertEquals("v2", stored("orders").description(), "a refused file leaves the last good version");

        Files.delete(file);
        folder.scan(store);
        assertFalse(stored("orders").active(), "a removed file's flow is inactive");
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
        assertEquals("first", stored("same").description());
        Files.delete(directory.resolve("b.json"));
        folder.scan(store);
        assertTrue(stored("same").active(), "removing the refused file does not stop the flow the other file defines");
    }

    @Test
    void badFilesOfEveryKindNeverKeepTheOthersFromLoading() throws Exception {
        FlowFolder folder = new FlowFolder(directory, FLOW_FILE_LIMIT);
        Files.writeString(directory.resolve("a-null.json"), flow("nulls", "", "A->B").replace("\"type\": \"Noop\"}",
                "\"type\": \"Noop\", \"config\": {\"path\": null}}"));
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
        assertEquals("now small", stored("large").description(), "a file back under the limit is read");
    }
}
