package streamline.processors.standard;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.engine.SessionUpdate;
import streamline.api.processor.ItemOutcome;
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
 * so one still being written is not read half; default 500).
 *
 * <p>Metadata: {@code ReadDir.Path} (absolute path), {@code ReadDir.Name} (file name),
 * {@code ReadDir.Size} (bytes). The trigger mark is the absolute path.
 *
 * <p>It follows the exactly-once pattern of {@link TriggerProcessor}: it emits every file in the
 * folder that it has not emitted in this run (or whose emission was not started), and deletes or
 * moves a file only when its session finished successfully. After a restart it emits the folder's
 * files again, and the engine answers those whose sessions are still in progress as duplicates, so
 * each file is processed once. After a failure the file stays where it is, remembered as failed (by
 * its name, size and modification time: another file put there under that name is processed; in
 * its state, which holds only failures) and not emitted again, for an operator to look at (the
 * engine keeps the failed session's input and error too). Links and anything else but regular files
 * in the folder are skipped with a warning naming them: a link is never followed.
 */
@Component(service = TriggerProcessor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ReadDir",
        configurationPid = "streamline.processors.files")
public class ReadDir implements TriggerProcessor {

    private static final String FAILED = "failed";

    private final FileRoots roots;
    private ProcessorContext context;
    private Path input;
    private PathMatcher pattern;
    private boolean recursive;
    private boolean move;
    private Path done;
    private long minAgeMillis;
    /** Files emitted in this run whose sessions have not ended (absolute paths). */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** The files of the last listing not yet looked at; the engine calls a trigger from one thread at a time. */
    private final ArrayDeque<Path> listing = new ArrayDeque<>();
    /** Links and other non-regular files already reported, while they are there. */
    private final Set<String> skipped = ConcurrentHashMap.newKeySet();
    /** Files whose sessions failed, kept in the state: path → {@value #FAILED} and the file's size and modification time. */
    private final Map<String, String> failed = new ConcurrentHashMap<>();

    @Activate
    public ReadDir(BundleContext bundleContext, FilesConfig config) {
        this(new FileRoots(Paths.home(bundleContext), List.of(config.roots())));
    }

    /** Outside a framework (tests): relative paths resolve against {@code home}, the default roots apply. */
    public ReadDir(Path home) {
        this(FileRoots.defaults(home));
    }

    ReadDir(FileRoots roots) {
        this.roots = roots;
    }

    @Override
    public ScheduleType scheduleType() {
        return ScheduleType.EVENT;
    }

    @Override
    public void init(ProcessorContext processorContext) throws Exception {
        this.context = processorContext;
        input = roots.forWriting(processorContext.config("input"));
        Files.createDirectories(input);
        input = roots.forReading(input.toString());
        String glob = processorContext.optionalConfig("pattern").orElse("*");
        pattern = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        recursive = Boolean.parseBoolean(processorContext.optionalConfig("recursive").orElse("false"));
        String after = processorContext.optionalConfig("afterSuccess").orElse("delete").trim();
        switch (after) {
            case "delete" -> move = false;
            case "move" -> {
                move = true;
                done = roots.forWriting(processorContext.optionalConfig("doneDirectory").orElseThrow(
                        () -> new IllegalArgumentException("afterSuccess=move needs doneDirectory")));
                if (recursive && done.startsWith(input)) {
                    // its files would be listed again and processed forever
                    throw new IllegalArgumentException("doneDirectory " + done + " is inside the recursive input " + input);
                }
                Files.createDirectories(done);
            }
            default -> throw new IllegalArgumentException("afterSuccess must be 'delete' or 'move', was '" + after + "'");
        }
        minAgeMillis = Long.parseLong(processorContext.optionalConfig("minAgeMillis").orElse("500").trim());
        // an earlier version kept emitted files in the state as well: only failures count now
        processorContext.state().get(StateScope.LOCAL).forEach((path, status) -> {
            if (status.startsWith(FAILED)) {
                failed.put(path, status);
            }
        });
    }

    @Override
    public List<TriggerResult> trigger(TriggerContext call) throws Exception {
        List<TriggerResult> results = new ArrayList<>();
        long now = System.currentTimeMillis();
        if (listing.isEmpty()) {
            list();
        }
        while (results.size() < call.capacity() && !listing.isEmpty()) {
            Path file = listing.poll();
            String key = file.toAbsolutePath().toString();
            if (inFlight.contains(key)) {
                continue;
            }
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                continue;
            }
            if (!attributes.isRegularFile()) {
                // whoever drops files here is not trusted: a link would hand the flow any file the engine can read
                if (!attributes.isDirectory() && skipped.add(key)) {
                    context.logger().log(System.Logger.Level.WARNING, "skipping " + key + ": "
                            + (attributes.isSymbolicLink() ? "a symbolic link (links in an input folder are never followed)"
                                    : "not a regular file"));
                }
                continue;
            }
            String failure = failed.get(key);
            if (failure != null) {
                if (failure.equals(FAILED) || failure.equals(identity(attributes))) {
                    continue; // the file that failed, left for an operator
                }
                failed.remove(key); // another file under that name now: it gets its own session
                rememberFailure(key, null);
            }
            if (now - attributes.lastModifiedTime().toMillis() < minAgeMillis) {
                continue;
            }
            results.add(new TriggerResult(Map.of("ReadDir.Path", key, "ReadDir.Name", file.getFileName().toString(),
                    "ReadDir.Size", attributes.size()), key, () -> Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)));
            inFlight.add(key);
        }
        return results;
    }

    /**
     * Lists the folder into {@link #listing}, in name order. Only once every file of a listing was looked at is
     * the folder listed again, so that a call costs the same whether 100 or 100,000 files wait: a listing is
     * paid for once per file, not once per call. Files that arrive meanwhile are found by the next listing.
     */
    private void list() throws IOException {
        List<Path> candidates;
        try (Stream<Path> files = recursive ? Files.walk(input) : Files.list(input)) {
            candidates = files.filter(file -> pattern.matches(file.getFileName())).sorted().toList();
        }
        listing.addAll(candidates);
        Set<String> listed = new HashSet<>();
        candidates.forEach(file -> listed.add(file.toAbsolutePath().toString()));
        skipped.retainAll(listed); // warned once a link stays; again if it comes back
    }

    @Override
    public void itemsReceived(List<ItemOutcome> outcomes) {
        for (ItemOutcome outcome : outcomes) {
            if (!outcome.accepted()) {
                inFlight.remove(outcome.item().triggerMark()); // emitted again by the next call
            }
        }
    }

    @Override
    public void sessionEnded(SessionUpdate update) {
        String key = update.triggerMark();
        if (update.failed()) {
            context.logger().log(System.Logger.Level.WARNING, "session of " + key + " failed; the file stays: " + update.error());
            String failure = failureOf(Path.of(key));
            failed.put(key, failure);
            rememberFailure(key, failure);
            inFlight.remove(key);
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
            // stays in flight: not emitted again in this run, where it would be processed a second time
            context.logger().log(System.Logger.Level.ERROR, "cannot " + (move ? "move " : "delete ") + key + ": " + e);
            return;
        }
        inFlight.remove(key);
    }

    /** What identifies the file that failed under its name: a file put there later has another size or time. */
    private static String identity(BasicFileAttributes attributes) {
        return FAILED + ":" + attributes.size() + ":" + attributes.lastModifiedTime().toMillis();
    }

    private static String failureOf(Path file) {
        try {
            return identity(Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return FAILED;
        }
    }

    /**
     * Saves that a file's session failed, or ({@code failure} null) that it no longer counts as failed: one key
     * of the state, at a cost that does not grow with the failures remembered. Only failures are kept, so a
     * successful session writes no state.
     */
    private void rememberFailure(String key, String failure) {
        try {
            if (failure == null) {
                context.state().remove(StateScope.LOCAL, key);
            } else {
                context.state().put(StateScope.LOCAL, key, failure);
            }
        } catch (StateException e) {
            context.logger().log(System.Logger.Level.ERROR, "cannot save that " + key + (failure == null ? " no longer failed" : " failed")
                    + ": " + e.getMessage());
        }
    }
}
