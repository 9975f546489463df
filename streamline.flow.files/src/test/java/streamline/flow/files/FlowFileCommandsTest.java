package streamline.flow.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowNotFoundException;
import streamline.flow.memory.InMemoryFlowManager;

class FlowFileCommandsTest {

    @TempDir
    Path directory;

    private final InMemoryFlowManager store = new InMemoryFlowManager();

    @SuppressWarnings("unchecked")
    private FlowFileCommands commands() {
        FlowFileCommands commands = new FlowFileCommands();
        Map<String, Object> properties = Map.of(FlowManager.TYPE_PROPERTY, "memory", Constants.SERVICE_ID, 1L);
        ServiceReference<FlowManager> reference = (ServiceReference<FlowManager>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { ServiceReference.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> properties.get(args[0]);
                    case "getPropertyKeys" -> properties.keySet().toArray(String[]::new);
                    case "getProperties" -> new java.util.Hashtable<>(properties);
                    case "compareTo" -> 0;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        commands.addStore(reference, store);
        commands.types = new DeclaredTypes();
        return commands;
    }

    private Path file(String config) throws Exception {
        Path file = directory.resolve("copy.json");
        Files.writeString(file, """
                {"name": "copy", "processors": [{"name": "A", "type": "Copy", "config": %s}], "flow": "A"}
                """.formatted(config));
        return file;
    }

    @Test
    void loadRefusesAWrongKeyNamingFlowProcessorAndKeyAndSavesNothing() throws Exception {
        String refused = commands().load(file("{\"input\": \"a\", \"remove_source\": \"yes\"}").toString());
        assertTrue(refused.startsWith("refused: invalid flow 'copy': processor 'A' (Copy): key 'remove_source' must be true or false"),
                refused);
        assertTrue(isMissing(FlowDefinition.idFromName("copy")), "nothing is saved");

        String missing = commands().load(file("{\"args\": \"x\"}").toString());
        assertTrue(missing.contains("key 'path' (or its alias 'input') is required") && missing.contains("key 'args' must be a list"),
                missing);
    }

    @Test
    void loadSavesAGoodFileAndWarnsAboutAnUnknownKey() throws Exception {
        String saved = commands().load(file("{\"input\": \"a\", \"remove_sorce\": true}").toString());
        assertTrue(saved.startsWith("saved flow 'copy'"), saved);
        assertTrue(saved.contains("warning: processor 'A' (Copy): key 'remove_sorce' is unknown"), saved);
        assertEquals("copy", store.flow(FlowDefinition.idFromName("copy")).name());
    }

    private boolean isMissing(java.util.UUID id) throws Exception {
        try {
            store.flow(id);
            return false;
        } catch (FlowNotFoundException e) {
            return true;
        }
    }
}
