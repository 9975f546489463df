package streamline.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * The memory budget: {@code sessions} sessions in progress at once (their first step holds, so all of
 * them stay in progress: 8 running, the rest queued) in a JVM of 256 MB, with small metadata and the
 * file write-ahead log. Reports the heap each session in progress takes ({@code bytesPerSession}, after
 * a full collection, against the heap before the sessions) and the heap in use with all of them
 * ({@code heapUsedMB}); it fails with an OutOfMemoryError if they do not fit.
 * {@code java -jar streamline.bench/target/benchmarks.jar EngineMemory}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class EngineMemory {

    @Param({"10000"})
    public int sessions;

    private Path directory;
    private FileWriteAheadLog log;
    private StreamlineEngine engine;
    private UUID flowId;
    private final CountDownLatch release = new CountDownLatch(1);

    /** What the measurement reports besides its time. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Heap {
        public long bytesPerSession;
        public long heapUsedMB;
    }

    @Setup(Level.Trial)
    public void open() throws Exception {
        directory = Files.createTempDirectory("streamline-bench-memory");
        log = FileWriteAheadLog.open(directory.resolve("wal"), "never");
        ProcessorRegistry registry = new ProcessorRegistry();
        registry.addProcessor(ProcessorRegistry.<Processor>provider("Hold", 0, () -> (input, step) -> {
            release.await();
            return input;
        }));
        registry.addProcessor(ProcessorRegistry.<Processor>provider("Noop", 1, () -> (input, step) -> input));
        flowId = FlowDefinition.idFromName("memory");
        InMemoryFlowManager flows = new InMemoryFlowManager();
        flows.save(FlowDefinition.builder().id(flowId).name("memory").active(true)
                .processor(ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(flowId, "A")).name("A").type("Hold")
                        .next(ProcessorDefinition.idFromName(flowId, "B")).build())
                .processor(ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(flowId, "B")).name("B").type("Noop").build())
                .build());
        engine = new StreamlineEngine(EngineOptions.builder(directory.resolve("work")).maxSessionsPerFlow(sessions)
                .pollInterval(Duration.ofMillis(10)).stopGrace(Duration.ZERO).build(), new InMemoryBranchTracker(), registry);
        engine.start(log, flows);
        while (engine.activeFlows().isEmpty()) {
            Thread.sleep(5);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        release.countDown();
        engine.stop();
        log.close();
        Benchmarks.deleteRecursively(directory);
    }

    private static long usedAfterCollection() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Benchmark
    public void sessionsInProgress(Heap heap) throws Exception {
        long before = usedAfterCollection();
        for (int i = 0; i < sessions; i++) {
            engine.submit(flowId, FlowObject.of(Map.of("n", i, "file", "/data/inbox/order-" + i + ".json", "customer", "ACME")), null);
        }
        if (engine.sessionsInProgress().size() != sessions) {
            throw new IllegalStateException("expected " + sessions + " sessions in progress");
        }
        long used = usedAfterCollection();
        heap.bytesPerSession = (used - before) / sessions;
        heap.heapUsedMB = used >> 20;
    }
}
