package streamline.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
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

import com.sun.management.OperatingSystemMXBean;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.processors.standard.ReadDir;
import streamline.processors.standard.UpdateMetadata;
import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * What idle flows cost: the engine with {@code flows} flows, each a {@code ReadDir} on an empty folder of its own,
 * doing nothing for ten seconds an operation (six operations: a minute), against the same engine with none
 * ({@code flows=0}). Reported per operation: the process's CPU time as a share of one core
 * ({@code cpuPercentOfOneCore}) and its live threads ({@code threads}).
 * Run: {@code java -jar streamline.bench/target/benchmarks.jar IdleFlows}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 6)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class IdleFlows {

    private static final Duration IDLE = Duration.ofSeconds(10);

    @Param({"1000", "0"})
    public int flows;

    private Path home;
    private FileWriteAheadLog log;
    private StreamlineEngine engine;

    /** What one idle period cost. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cost {
        public double cpuPercentOfOneCore;
        public int threads;
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        home = Benchmarks.newDirectory("idle");
        ProcessorRegistry registry = new ProcessorRegistry();
        registry.addTrigger(ProcessorRegistry.provider("ReadDir", 0, () -> new ReadDir(home)));
        registry.addProcessor(ProcessorRegistry.provider("UpdateMetadata", 0, UpdateMetadata::new));
        InMemoryFlowManager store = new InMemoryFlowManager();
        for (int i = 0; i < flows; i++) {
            String name = "idle-" + i;
            Files.createDirectories(home.resolve("files/idle").resolve(name));
            UUID id = FlowDefinition.idFromName(name);
            store.save(FlowDefinition.builder().id(id).name(name).active(true)
                    .processor(ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(id, "Tag")).name("Tag")
                            .type("UpdateMetadata").config(Map.of("seen", "yes")).build())
                    .trigger(TriggerDefinition.builder().id(ProcessorDefinition.idFromName(id, "In")).name("In").type("ReadDir")
                            .config(Map.of("input", "files/idle/" + name)).build())
                    .build());
        }
        log = FileWriteAheadLog.open(home.resolve("wal"), "always");
        engine = new StreamlineEngine(EngineOptions.defaults(home.resolve("work")), new InMemoryBranchTracker(), registry);
        engine.start(log, store);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (engine.activeFlows().size() < flows) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(engine.activeFlows().size() + " of " + flows + " flows active after 2 minutes");
            }
            Thread.sleep(50);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        engine.stop();
        log.close();
        Benchmarks.deleteRecursively(home);
    }

    @Benchmark
    public void idle(Cost cost) throws InterruptedException {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long before = System.nanoTime();
        Thread.sleep(IDLE.toMillis());
        long cpu = os.getProcessCpuTime() - cpuBefore;
        cost.cpuPercentOfOneCore = 100.0 * cpu / (System.nanoTime() - before);
        cost.threads = threads.getThreadCount();
    }
}
