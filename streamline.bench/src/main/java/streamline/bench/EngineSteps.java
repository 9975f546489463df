package streamline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.FlowObject;
import streamline.api.wal.LogEntry;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * What the engine costs next to its log: sessions per second of a 3-step no-op flow ({@code A->B->C})
 * on the durable file write-ahead log with 32 workers ({@code impl=engine}), against the file log
 * alone ({@code impl=wal}) with 32 appenders doing the same 2 appends per step for 3 steps, with the
 * same metadata. One operation is one session (3 steps) in both, so the ratio of the scores is the
 * ratio of steps per second. Run: {@code java -jar streamline.bench/target/benchmarks.jar EngineSteps}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Threads(32)
public class EngineSteps {

    private static final int WORKERS = 32;

    @Param({"engine", "wal"})
    public String impl;

    private Path directory;
    private FileWriteAheadLog log;
    private StreamlineEngine engine;
    private UUID flowId;
    private final Map<UUID, CompletableFuture<Void>> sessionsEnding = new ConcurrentHashMap<>();

    /** A thread's pre-built entries for {@code impl=wal}: 3 steps of a session, started and completed. */
    @State(Scope.Thread)
    public static class Steps {
        private static final int SESSIONS = 128;
        final List<List<LogEntry>> sessions = new ArrayList<>();
        int next;

        @Setup(Level.Trial)
        public void make() {
            UUID flow = FlowDefinition.idFromName("bench");
            for (int s = 0; s < SESSIONS; s++) {
                UUID session = UUID.randomUUID();
                List<LogEntry> entries = new ArrayList<>();
                List<UUID> done = new ArrayList<>();
                for (String name : List.of("A", "B", "C")) {
                    UUID step = ProcessorDefinition.idFromName(flow, name);
                    entries.add(LogEntry.stepStarted(session, flow, step, name, "", BenchEntries.metadata(), "|mark", 0, done));
                    entries.add(LogEntry.stepCompleted(session, flow, step, name, "", BenchEntries.metadata(), "|mark", 0));
                    done = List.of(step);
                }
                entries.add(LogEntry.sessionFinished(session, flow, "|mark", ""));
                sessions.add(entries);
            }
        }

        List<LogEntry> nextSession() {
            List<LogEntry> entries = sessions.get(next);
            next = (next + 1) % sessions.size();
            return entries;
        }
    }

    @Setup(Level.Trial)
    public void open() throws Exception {
        directory = Files.createTempDirectory("streamline-bench-engine");
        log = FileWriteAheadLog.open(directory.resolve("wal"), "always");
        if (impl.equals("engine")) {
            ProcessorRegistry registry = new ProcessorRegistry();
            registry.addProcessor(ProcessorRegistry.provider("Noop", 0, () -> (input, step) -> input));
            InMemoryFlowManager flows = new InMemoryFlowManager();
            flowId = FlowDefinition.idFromName("bench");
            FlowDefinition.Builder flow = FlowDefinition.builder().id(flowId).name("bench").active(true);
            List<String> names = List.of("A", "B", "C");
            for (int i = 0; i < names.size(); i++) {
                ProcessorDefinition.Builder processor = ProcessorDefinition.builder()
                        .id(ProcessorDefinition.idFromName(flowId, names.get(i))).name(names.get(i)).type("Noop");
                if (i + 1 < names.size()) {
                    processor.next(ProcessorDefinition.idFromName(flowId, names.get(i + 1)));
                }
                flow.processor(processor.build());
            }
            flows.save(flow.build());
            engine = new StreamlineEngine(EngineOptions.builder(directory.resolve("work")).workers(WORKERS)
                    .pollInterval(Duration.ofMillis(10)).build(), new InMemoryBranchTracker(), registry);
            engine.addListener(update -> sessionsEnding.computeIfAbsent(update.sessionId(), id -> new CompletableFuture<>())
                    .complete(null));
            engine.start(log, flows);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (engine.activeFlows().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the benchmark flow did not activate");
                }
                Thread.sleep(5);
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        if (engine != null) {
            engine.stop();
        }
        log.close();
        Benchmarks.deleteRecursively(directory);
    }

    @Benchmark
    public void session(Steps steps) throws Exception {
        if (engine != null) {
            UUID session = engine.submit(flowId, FlowObject.of(BenchEntries.metadata()), null);
            sessionsEnding.computeIfAbsent(session, id -> new CompletableFuture<>()).get(30, TimeUnit.SECONDS);
            sessionsEnding.remove(session);
            return;
        }
        List<LogEntry> entries = steps.nextSession();
        for (int i = 0; i < 4; i++) {
            log.append(entries.get(i));
        }
        log.append(entries.get(4));
        log.appendAll(entries.subList(5, 7));
    }
}
