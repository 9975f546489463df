package streamline.processors.standard;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.engine.SessionUpdate;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.api.state.StateException;
import streamline.api.state.StateScope;

/**
 * Trigger {@code ReadDir}: starts a session for every file of a folder, with the file as content.
 *
 * <p>Configuration: {@code input} (folder; relative to the home), {@code pattern} (glob on the file
 * name, default {@code *}), {@code recursive} ({@code true}/{@code false}, default false),
 * {@code afterSuccess} ({@code delete}, the default, or {@code move}), {@code doneDirectory} (where
 * {@code move} puts files), {@code minAgeMillis} (a file younger than this is left for the next call,
 * so one still being written is not read half; default 500), {@code reemitAfterSeconds} (see below,
 * default 60).
 *
 * <p>Metadata: {@code ReadDir.Path} (absolute path), {@code ReadDir.Name} (file name),
 * {@code ReadDir.Size} (bytes). The trigger mark is the absolute path.
 *
 * <p>It remembers the files it emitted (its state, kept across restarts) and emits each once. Only
 * when the file's session finished successfully is the file deleted or moved; after a failure it
 * stays where it is, remembered as failed and never emitted again, for an operator to look at (the
 * engine keeps the failed session's input and error too). A crash can fall between
 * remembering a file and the engine logging its session; so a file remembered by an earlier run
 * that is still there {@code reemitAfterSeconds} after the start, its session not ended, is emitted
 * again (sessions recovered by the engine end well before that, and {@code WriteFile} repeats safely).
 */
@Component(service = TriggerProcessor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ReadDir")
public class ReadDir implements TriggerProcessor {

    private static final String EMITTED_THIS_RUN = "emitted";
    private static final String EMITTED_EARLIER = "earlier";
    private static final String FAILED = "failed";

    private final Path home;
    private ProcessorContext context;
    private Path input;
    private PathMatcher pattern;
    private boolean recursive;
    private boolean move;
    private Path done;
    private long minAgeMillis;
    private long reemitAfterMillis;
    private long startedAt;
    /** Absolute path → whether it was emitted in this run or an earlier one. */
    private final Map<String, String> emitted = new ConcurrentHashMap<>();

    @Activate
    public ReadDir(BundleContext bundleContext) {
        this.home = Paths.home(bundleContext);
    }

    /** Outside a framework (tests), relative paths resolve against {@code home}. */
    public ReadDir(Path home) {
        this.home = home;
    }

    @Override
    public ScheduleType scheduleType() {
        return ScheduleType.EVENT;
    }

    @Override
    public void init(ProcessorContext processorContext) throws Exception {
        this.context = processorContext;
        input = Paths.resolve(home, processorContext.config("input"));
        Files.createDirectories(input);
        String glob = processorContext.optionalConfig("pattern").orElse("*");
        pattern = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        recursive = Boolean.parseBoolean(processorContext.optionalConfig("recursive").orElse("false"));
        String after = processorContext.optionalConfig("afterSuccess").orElse("delete").trim();
        switch (after) {
            case "delete" -> move = false;
            case "move" -> {
                move = true;
                done = Paths.resolve(home, processorContext.optionalConfig("doneDirectory").orElseThrow(
                        () -> new IllegalArgumentException("afterSuccess=move needs doneDirectory")));
                Files.createDirectories(done);
            }
            default -> throw new IllegalArgumentException("afterSuccess must be 'delete' or 'move', was '" + after + "'");
        }
        minAgeMillis = Long.parseLong(processorContext.optionalConfig("minAgeMillis").orElse("500").trim());
        reemitAfterMillis = 1000 * Long.parseLong(processorContext.optionalConfig("reemitAfterSeconds").orElse("60").trim());
        startedAt = System.currentTimeMillis();
        processorContext.state().get(StateScope.LOCAL)
                .forEach((path, status) -> emitted.put(path, FAILED.equals(status) ? FAILED : EMITTED_EARLIER));
    }

    @Override
    public List<TriggerResult> trigger(TriggerContext call) throws Exception {
        List<TriggerResult> results = new ArrayList<>();
        long now = System.currentTimeMillis();
        boolean reemit = now - startedAt >= reemitAfterMillis;
        List<Path> candidates;
        try (Stream<Path> files = recursive ? Files.walk(input) : Files.list(input)) {
            candidates = files.filter(file -> pattern.matches(file.getFileName())).sorted().toList();
        }
        for (Path file : candidates) {
            if (results.size() >= call.capacity()) {
                break;
            }
            String key = file.toAbsolutePath().toString();
            String seen = emitted.get(key);
            if (EMITTED_THIS_RUN.equals(seen) || FAILED.equals(seen) || (EMITTED_EARLIER.equals(seen) && !reemit)) {
                continue;
            }
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                continue;
            }
            if (!attributes.isRegularFile() || now - attributes.lastModifiedTime().toMillis() < minAgeMillis) {
                continue;
            }
            results.add(new TriggerResult(Map.of("ReadDir.Path", key, "ReadDir.Name", file.getFileName().toString(),
                    "ReadDir.Size", attributes.size()), key, () -> Files.newInputStream(file)));
            emitted.put(key, EMITTED_THIS_RUN);
        }
        if (!results.isEmpty()) {
            remember();
        }
        return results;
    }

    @Override
    public void sessionEnded(SessionUpdate update) {
        String key = update.triggerMark();
        if (update.failed()) {
            context.logger().log(System.Logger.Level.WARNING, "session of " + key + " failed; the file stays: " + update.error());
            emitted.put(key, FAILED);
            rememberQuietly();
            return;
        }
        Path file = Path.of(key);
        try {
            if (move) {
                Path target = done.resolve(input.relativize(file));
                Files.createDirectories(target.getParent());
                Files.move(file, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException e) {
            // told again after a restart: already done
        } catch (IOException e) {
            context.logger().log(System.Logger.Level.ERROR, "cannot " + (move ? "move " : "delete ") + key + ": " + e);
            return;
        }
        emitted.remove(key);
        rememberQuietly();
    }

    private void rememberQuietly() {
        try {
            remember();
        } catch (StateException e) {
            context.logger().log(System.Logger.Level.ERROR, "cannot save what ReadDir emitted: " + e.getMessage());
        }
    }

    /** Saves the remembered files: path → {@code emitted} or {@code failed}. */
    private synchronized void remember() throws StateException {
        Map<String, String> state = new HashMap<>();
        emitted.forEach((key, status) -> state.put(key, FAILED.equals(status) ? FAILED : "emitted"));
        context.state().set(StateScope.LOCAL, state);
    }
}
