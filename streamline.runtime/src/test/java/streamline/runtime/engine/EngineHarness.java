package streamline.runtime.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.TriggerProcessor;
import streamline.api.wal.WriteAheadLog;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.testkit.Eventually;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * A real engine for tests: the file write-ahead log, the in-memory flow store and the branch
 * tracker, with processors registered straight into the registry (what the OSGi component does
 * with services). Records every session end.
 */
final class EngineHarness implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicLong ORDER = new AtomicLong();

    final Path directory;
    final InMemoryFlowManager flows = new InMemoryFlowManager();
    final InMemoryBranchTracker tracker = new InMemoryBranchTracker();
    final ProcessorRegistry registry = new ProcessorRegistry();
    final Map<UUID, SessionUpdate> ended = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<UUID> endOrder = new ConcurrentLinkedQueue<>();
    FileWriteAheadLog wal;
    StreamlineEngine engine;

    EngineHarness(Path directory) {
        this.directory = directory;
    }

    /** Quick options for tests: frequent polls, a short stop grace. */
    EngineOptions.Builder options() {
        return EngineOptions.builder(directory.resolve("work")).pollInterval(Duration.ofMillis(20)).workers(4)
                .stopGrace(Duration.ofMillis(500));
    }

    EngineHarness start() throws Exception {
        return start(options().build());
    }

    EngineHarness start(EngineOptions options) throws Exception {
        if (wal == null) {
            wal = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        }
        return start(options, wal);
    }

    /** Starts on another log (for example one wrapping {@link #wal}). */
    EngineHarness start(EngineOptions options, WriteAheadLog log) throws Exception {
        newEngine(options).start(log, flows);
        return this;
    }

    /** Starts on a named log and flow store, finding the ones used last among {@code known}. */
    EngineHarness start(Named<WriteAheadLog> log, Named<FlowManager> store, KnownServices known) throws Exception {
        newEngine(options().build()).start(log, store, known);
        return this;
    }

    private StreamlineEngine newEngine(EngineOptions options) throws IOException {
        engine = new StreamlineEngine(options, tracker, registry);
        engine.addListener(update -> {
            if (ended.putIfAbsent(update.sessionId(), update) == null) {
                endOrder.add(update.sessionId());
            } else {
                throw new AssertionError("session " + update.sessionId() + " ended twice");
            }
        });
        return engine;
    }

    /** Stops the engine and closes the log, as a shutdown does. */
    void stop() throws Exception {
        if (engine != null) {
            engine.stop();
            engine = null;
        }
        if (wal != null) {
            wal.close();
            wal = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    ProcessorRegistry.Provider<Processor> processor(String type, Supplier<Processor> factory) {
        ProcessorRegistry.Provider<Processor> provider = ProcessorRegistry.provider(type, ORDER.incrementAndGet(), factory);
        registry.addProcessor(provider);
        return provider;
    }

    ProcessorRegistry.Provider<TriggerProcessor> trigger(String type, Supplier<TriggerProcessor> factory) {
        ProcessorRegistry.Provider<TriggerProcessor> provider = ProcessorRegistry.provider(type, ORDER.incrementAndGet(), factory);
        registry.addTrigger(provider);
        return provider;
    }

    FlowDefinition save(FlowDefinition flow) throws Exception {
        return flows.save(flow);
    }

    /** Saves a flow and waits until the engine runs it. */
    FlowDefinition activate(FlowDefinition flow) throws Exception {
        FlowDefinition saved = flows.save(flow);
        await("flow " + flow.name() + " active", () -> engine.activeFlows().entrySet().stream()
                .anyMatch(active -> active.getKey().equals(saved) && active.getValue().isEmpty()), engine::activeFlows);
        return saved;
    }

    UUID submit(FlowDefinition flow, Map<String, ?> metadata) throws Exception {
        return engine.submit(flow.id(), FlowObject.of(metadata), null);
    }

    void awaitEnded(int count) {
        await(count + " sessions ended", () -> ended.size() >= count, () -> ended.size() + " ended, in progress: "
                + (engine == null ? "-" : engine.sessionsInProgress().size()));
    }

    static void await(String what, BooleanSupplier condition, Supplier<Object> observed) {
        Eventually.await(what, TIMEOUT, condition, observed);
    }

    static List<UUID> liveSessions(WriteAheadLog log) throws Exception {
        return log.liveEntries().stream().map(e -> e.sessionId()).distinct().toList();
    }

    /** The services an engine looks up by name when it starts: these logs and flow stores, the {@code abandoned} ones declared so. */
    static KnownServices known(List<Named<WriteAheadLog>> wals, List<Named<FlowManager>> stores, String... abandoned) {
        return new KnownServices() {
            @Override
            public Optional<WriteAheadLog> wal(String name) {
                return wals.stream().filter(w -> w.name().equals(name)).map(Named::service).findFirst();
            }

            @Override
            public Optional<FlowManager> flowStore(String name) {
                return stores.stream().filter(f -> f.name().equals(name)).map(Named::service).findFirst();
            }

            @Override
            public boolean abandoned(String name) {
                return Set.of(abandoned).contains(name);
            }
        };
    }
}
