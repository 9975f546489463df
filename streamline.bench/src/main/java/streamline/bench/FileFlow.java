package streamline.bench;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

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
import streamline.api.flow.TriggerDefinition;
import streamline.flow.memory.InMemoryFlowManager;
import streamline.processors.standard.ReadDir;
import streamline.processors.standard.UpdateMetadata;
import streamline.processors.standard.WriteFile;
import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;
import streamline.tracker.InMemoryBranchTracker;
import streamline.wal.file.FileWriteAheadLog;

/**
 * Files through the example flow's shape ({@code ReadDir -> UpdateMetadata -> WriteFile}) with the
 * real standard processors on the durable file log, against a plain-Java durable copy with as many
 * threads as the engine has workers (read, write a temporary file, fsync, rename, delete the source).
 * One operation moves all {@code files} 2 KB files, waiting in an inbox at once, from the flow's
 * activation until the last session ended. With {@code impl=paired} (the default) each operation runs
 * both, one after the other through the same inbox and outbox (which goes first alternates; the inbox is
 * filled again and the outbox emptied between them, untimed), and reports {@code engineFilesPerSecond},
 * {@code copyFilesPerSecond} and their {@code ratio}. The disk's rate drifts over tens of seconds, and a new
 * file's cost on ext4 depends on where its folder lies and on what was deleted there in the last seconds
 * (the kernel checks each candidate inode's deletion time when it allocates one): pairing in the same folders
 * compares the two under the same conditions.
 * {@code impl=engine} or {@code impl=copy} runs one alone (files/s = {@code files} / score).
 * With 100,000 files the engine's run also reports the heap in use after a full collection taken once the first
 * session ended (the listing read, the first thousand sessions started, the rest waiting in the folder) as
 * {@code heapAfterFullGcMb} (the collection's pause, a fraction of a percent of that run, counts in its time).
 * Run: {@code java -jar streamline.bench/target/benchmarks.jar FileFlow}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
public class FileFlow {

    private static final int FILE_BYTES = 2048;

    @Param({"2000", "20000", "100000"})
    public int files;

    @Param({"8", "1"})
    public int workers;

    @Param({"paired"})
    public String impl;

    /** What one operation measured; 0 where not measured. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Rates {
        public double engineFilesPerSecond;
        public double copyFilesPerSecond;
        public double ratio;
        /** The heap with a backlog waiting (engine, 100,000 files). */
        public double heapAfterFullGcMb;
    }

    private Path home;
    private FileWriteAheadLog log;
    private StreamlineEngine engine;
    private InMemoryFlowManager flows;
    private FlowDefinition flow;
    private int operations;
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicReference<String> failure = new AtomicReference<>();

    @Setup(Level.Iteration)
    public void prepare() throws Exception {
        if (!Set.of("paired", "engine", "copy").contains(impl)) {
            throw new IllegalArgumentException("impl must be paired, engine or copy, was " + impl);
        }
        home = Benchmarks.newDirectory("fileflow");
        Files.createDirectories(home.resolve("outbox"));
        fillInbox();
        if (!impl.equals("copy")) {
            startEngine();
        }
    }

    /**
     * Puts {@code files} files into the inbox and empties the outbox. The folders stay: a folder made anew may lie
     * in another block group, where creating files costs another amount.
     */
    private void fillInbox() throws Exception {
        Path outbox = Files.createDirectories(home.resolve("outbox"));
        try (Stream<Path> written = Files.list(outbox)) {
            for (Path file : (Iterable<Path>) written::iterator) {
                Files.delete(file);
            }
        }
        Path inbox = Files.createDirectories(home.resolve("inbox"));
        byte[] content = new byte[FILE_BYTES];
        new Random(files).nextBytes(content);
        for (int i = 0; i < files; i++) {
            Files.write(inbox.resolve(String.format("file-%06d.bin", i)), content);
        }
    }

    private void startEngine() throws Exception {
        ProcessorRegistry registry = new ProcessorRegistry();
        registry.addTrigger(ProcessorRegistry.provider("ReadDir", 0, () -> new ReadDir(home)));
        registry.addProcessor(ProcessorRegistry.provider("UpdateMetadata", 0, UpdateMetadata::new));
        registry.addProcessor(ProcessorRegistry.provider("WriteFile", 0, () -> new WriteFile(home)));
        UUID flowId = FlowDefinition.idFromName("fileflow");
        ProcessorDefinition store = ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(flowId, "Store"))
                .name("Store").type("WriteFile").config(Map.of("path", "outbox/${ReadDir.Name}")).build();
        ProcessorDefinition tag = ProcessorDefinition.builder().id(ProcessorDefinition.idFromName(flowId, "Tag"))
                .name("Tag").type("UpdateMetadata").config(Map.of("processedBy", "streamline", "receivedFile", "${ReadDir.Name}"))
                .next(store.id()).build();
        TriggerDefinition inbox = TriggerDefinition.builder().id(ProcessorDefinition.idFromName(flowId, "Inbox"))
                .name("Inbox").type("ReadDir").config(Map.of("input", "inbox", "minAgeMillis", "0")).build();
        // inactive until the benchmark starts: the files wait in the inbox, as if moved there at once
        flow = FlowDefinition.builder().id(flowId).name("fileflow").active(false).processor(tag).processor(store)
                .trigger(inbox).build();
        flows = new InMemoryFlowManager();
        flows.save(flow);
        log = FileWriteAheadLog.open(home.resolve("wal"), "always");
        engine = new StreamlineEngine(EngineOptions.builder(home.resolve("work")).workers(workers)
                .pollInterval(Duration.ofMillis(20)).build(), new InMemoryBranchTracker(), registry);
        engine.addListener(update -> {
            if (update.finished()) {
                if (update.error() != null && !update.error().isEmpty()) {
                    failure.compareAndSet(null, update.triggerMark() + ": " + update.error());
                }
                ended.incrementAndGet();
            }
        });
        engine.start(log, flows);
    }

    @TearDown(Level.Iteration)
    public void clean() throws Exception {
        if (engine != null) {
            engine.stop();
            log.close();
            engine = null;
        }
        Benchmarks.deleteRecursively(home);
    }

    @Benchmark
    public int run(Rates rates) throws Exception {
        boolean engineFirst = operations++ % 2 == 0;
        if (impl.equals("engine") || impl.equals("paired") && engineFirst) {
            rates.engineFilesPerSecond = timed(() -> runEngine(rates));
        }
        if (impl.equals("paired")) {
            if (engineFirst) {
                pauseEngine();
            }
            fillInbox();
        }
        if (!impl.equals("engine")) {
            rates.copyFilesPerSecond = timed(this::copy);
        }
        if (impl.equals("paired") && !engineFirst) {
            fillInbox();
            rates.engineFilesPerSecond = timed(() -> runEngine(rates));
        }
        if (impl.equals("paired")) {
            rates.ratio = rates.engineFilesPerSecond / rates.copyFilesPerSecond;
        }
        return files;
    }

    /** Deactivates the flow, so that the files put into the inbox for the copy wait for it. */
    private void pauseEngine() throws Exception {
        flows.setActive(flow.id(), false);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (engine.activeFlows().keySet().stream().anyMatch(active -> active.id().equals(flow.id()))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the flow still runs a minute after it was deactivated");
            }
            Thread.sleep(10);
        }
    }

    private interface Run {
        void run() throws Exception;
    }

    /** Files per second of one run. */
    private double timed(Run run) throws Exception {
        long start = System.nanoTime();
        run.run();
        return files / ((System.nanoTime() - start) / 1e9);
    }

    private void runEngine(Rates rates) throws Exception {
        ended.set(0);
        failure.set(null);
        flows.setActive(flow.id(), true);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        boolean measureHeap = files >= 100_000;
        while (ended.get() < files) {
            if (measureHeap && ended.get() > 0) {
                System.gc();
                rates.heapAfterFullGcMb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
                measureHeap = false;
            }
            if (failure.get() != null) {
                throw new IllegalStateException("a session failed: " + failure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + ended.get() + " of " + files + " sessions ended in 30 minutes");
            }
            Thread.sleep(2);
        }
    }

    /** The baseline: the same durable move, as plain Java would write it, on {@code workers} threads. */
    private void copy() throws Exception {
        List<Path> waiting;
        try (Stream<Path> listed = Files.list(home.resolve("inbox"))) {
            waiting = listed.sorted().toList();
        }
        Path outbox = home.resolve("outbox");
        AtomicInteger next = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < workers; t++) {
                done.add(threads.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < waiting.size(); ) {
                        Path source = waiting.get(i);
                        byte[] data = Files.readAllBytes(source);
                        Path temporary = outbox.resolve("." + source.getFileName() + ".tmp");
                        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                            ByteBuffer buffer = ByteBuffer.wrap(data);
                            while (buffer.hasRemaining()) {
                                channel.write(buffer);
                            }
                            channel.force(true);
                        }
                        Files.move(temporary, outbox.resolve(source.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                        Files.delete(source);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
