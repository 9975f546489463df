package streamline.itests;

import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import streamline.api.engine.Engine;
import streamline.api.engine.EngineException;
import streamline.api.engine.SessionListener;
import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.FlowObject;

/** What the engine's integration tests share: configuration, flows of the test processors, and a session recorder. */
public abstract class RuntimeTestSupport extends StreamlineTestSupport {

    /** Records every session end the engine reports; fails the test if one is reported twice. */
    protected static final class SessionRecorder implements SessionListener {
        final Map<UUID, SessionUpdate> ended = new ConcurrentHashMap<>();
        final Map<UUID, Integer> repeats = new ConcurrentHashMap<>();

        @Override
        public void sessionUpdated(SessionUpdate update) {
            if (update.finished() && ended.putIfAbsent(update.sessionId(), update) != null) {
                repeats.merge(update.sessionId(), 1, Integer::sum);
            }
        }

        List<SessionUpdate> failures() {
            return ended.values().stream().filter(SessionUpdate::failed).toList();
        }
    }

    @Override
    protected org.ops4j.pax.exam.Option extraOptions() {
        return runtimeBundles();
    }

    protected SessionRecorder recorder;
    private ServiceRegistration<SessionListener> recorderRegistration;

    protected SessionRecorder listen() {
        recorder = new SessionRecorder();
        recorderRegistration = context.registerService(SessionListener.class, recorder, null);
        return recorder;
    }

    protected void stopListening() {
        if (recorderRegistration != null) {
            recorderRegistration.unregister();
            recorderRegistration = null;
        }
    }

    protected void configure(String pid, Map<String, Object> values) throws IOException {
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> properties = new Hashtable<>(values);
        configuration.update(properties);
    }

    protected static Path newFolder(String name) throws IOException {
        return Files.createDirectories(new File(System.getProperty("streamline.itests.work", "target/itest-work"),
                name + "-" + UUID.randomUUID()).toPath().toAbsolutePath());
    }

    /** A processor of a test flow. */
    protected static ProcessorDefinition processor(UUID flowId, String name, String type, Map<String, ?> config, String... next) {
        return ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(flowId, name)).name(name).type(type)
                .config(config).nextProcessorIds(Stream.of(next).map(n -> ProcessorDefinition.idFromName(flowId, n)).toList())
                .build();
    }

    protected static FlowDefinition flow(String name, ProcessorDefinition... processors) {
        return FlowDefinition.builder().id(FlowDefinition.idFromName(name)).name(name).active(true)
                .processors(List.of(processors)).build();
    }

    /** Submits a session, waiting (within the timeout) for the flow to be active. */
    protected UUID submitWhenActive(Engine engine, UUID flowId, String mark) {
        AtomicReference<UUID> session = new AtomicReference<>();
        AtomicReference<String> refusal = new AtomicReference<>("");
        await("flow " + flowId + " active", () -> {
            try {
                session.set(engine.submit(flowId, new FlowObject(Map.of(), mark), null));
                return true;
            } catch (EngineException e) {
                refusal.set(e.getMessage());
                return false;
            }
        }, refusal::get);
        return session.get();
    }

    protected static long filesIn(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    protected static void assertEveryResult(Path results, int count, String expected) throws IOException {
        for (int i = 0; i < count; i++) {
            Path file = results.resolve("s-" + i);
            assertTrue("result of session s-" + i, Files.isRegularFile(file));
            org.junit.Assert.assertEquals("result of s-" + i, expected, Files.readString(file));
        }
    }
}
