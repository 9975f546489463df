package streamline.processors.standard;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.engine.SessionUpdate;
import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.ScheduleType;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.api.state.StateException;

/**
 * Trigger {@code ReadDir}: starts a session for every file of a folder, with the file as content.
 *
 * <p>Configuration: {@code input} (folder; relative to the home), {@code pattern} (glob on the file
 * name, default {@code *}), {@code recursive} ({@code true}/{@code false}, default false),
 * {@code afterSuccess} ({@code delete}, the default, {@code move}, or {@code keep}), {@code doneDirectory} (where
 * {@code move} puts files, see {@link DoneFolder}), {@code minAgeMillis} (a file younger than this is left for the
 * next call, so one still being written is not read half; default 500). The file processors' temporary files
 * ({@code .*.streamline-tmp}) are never emitted.
 *
 * <p>The Go project's keys are read too: {@code regex_filter} (a regular expression found anywhere in the file
 * name, unanchored, instead of {@code pattern}) and {@code remove_source} ({@code true}: {@code afterSuccess=delete};
 * {@code false}: {@code keep}). A flow using either gets the Go project's defaults: files are kept, and a missing
 * input folder is an error at activation (otherwise it is created). With {@code keep}, a file is emitted once, and
 * again only once it changed (size, modification time or file key), remembered per file in the state
 * ({@link KeptFiles}).
 *
 * <p>Metadata: {@code ReadDir.Path} (absolute path) and its Go names {@code ReadDir.FilePath} (the same) and
 * {@code ReadDir.InputPath} (the input folder, absolute), {@code ReadDir.Name} (file name), {@code ReadDir.Size} (bytes);
 * path and name in the readable form of {@link FileNames#readable} (bytes that are not UTF-8 as {@code %XX}). The
 * trigger mark is the absolute path, or, for a path the JVM's encoding cannot carry, its {@code file:} URI: it
 * always gives back the file's exact bytes.
 *
 * <p>It follows the exactly-once pattern of {@link TriggerProcessor}: it emits every file in the
 * folder that it has not emitted in this run (or whose emission was not started), and deletes or
 * moves a file only when its session finished successfully and the file is still the one emitted (same size,
 * modification time and file key: a file replaced under its name, or changed in place, meanwhile is left and emitted
 * again for its own session), forcing the folder before the session's end is logged. What a file was when emitted is
 * known in the run that emitted it: the end of a session recovered after a restart deletes or moves the file as it is.
 * After a restart it emits the folder's files again, and the engine answers those whose sessions are still in
 * progress as duplicates, so each file is processed once. A duplicate is not held: the live session's end is told to
 * the instance that started it. After a failure the file stays where it is, remembered as failed (by the size,
 * modification time and file key it had when emitted: another file put there under that name is processed; in its
 * state, which holds only failures) and not emitted again, for an operator to look at. A file whose content cannot
 * be read when the engine imports it is remembered as failed with the reason, on its own: the others start.
 * Links, anything else but regular files, files the engine may not read, files it cannot stat and folders it cannot
 * list are skipped with a warning naming them, once while they stay so: a link is never followed.
 */
@ProcessorConfig(description = "Starts a session for every file of a folder, with the file as content.", keys = {
        @ConfigKey(name = "input", required = true, description = "The folder, relative to the home."),
        @ConfigKey(name = "pattern", defaultValue = "*", description = "A glob on the file name."),
        @ConfigKey(name = "regex_filter", description = "A regular expression found anywhere in the file name (the Go key; instead of pattern)."),
        @ConfigKey(name = "recursive", type = ConfigType.BOOLEAN, defaultValue = "false", description = "Read subfolders too."),
        @ConfigKey(name = "afterSuccess",
                description = "delete (the default), move to doneDirectory, or keep (emitted again once changed; the default with Go keys)."),
        @ConfigKey(name = "doneDirectory", description = "Where afterSuccess=move puts files."),
        @ConfigKey(name = "remove_source", type = ConfigType.BOOLEAN,
                description = "The Go key: true is afterSuccess=delete, false is keep."),
        @ConfigKey(name = "minAgeMillis", type = ConfigType.INTEGER, defaultValue = "500",
                description = "A younger file is left for the next call, so one being written is not read half.") })
@Component(service = TriggerProcessor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ReadDir",
        configurationPid = "streamline.processors.files")
public class ReadDir implements TriggerProcessor {

    /** Said of an item whose file was gone when the engine read it: not a failure, there is nothing to process. */
    private static final String GONE = "";
    /** How far ahead of the clock a modification time may be before it is reported (file systems round times). */
    private static final long FUTURE_SLACK_MILLIS = 2_000;

    private final FileRoots roots;
    private final SharedFolderForce forces;
    private ProcessorContext context;
    private Path input;
    private Predicate<Path> pattern;
    /** {@code afterSuccess=keep}: the files processed, by their identity then; null otherwise. */
    private KeptFiles kept;
    private boolean recursive;
    private DoneFolder done;
    private long minAgeMillis;
    /** Files emitted in this run whose sessions have not ended: mark → their identity when emitted. */
    private final Map<String, String> inFlight = new ConcurrentHashMap<>();
    /** Emitted files whose content the engine could not read, by mark: why ({@link #GONE} if gone). */
    private final Map<String, String> unreadable = new ConcurrentHashMap<>();
    /** The files of the last listing not yet looked at; the engine calls a trigger from one thread at a time. */
    private final ArrayDeque<Path> listing = new ArrayDeque<>();
    /** What the log was told about files and folders skipped, by mark, while they stay so. */
    private Map<String, String> reported = new ConcurrentHashMap<>();
    /** Whether an item was answered as a duplicate since the last listing (called from one thread at a time). */
    private boolean heldElsewhere;
    /** Files whose sessions failed, kept in the state. */
    private FailedFiles failed;

    @Activate
    public ReadDir(BundleContext bundleContext, FilesConfig config) {
        this(new FileRoots(Paths.home(bundleContext), List.of(config.roots())), new SharedFolderForce());
    }

    /** Outside a framework (tests): relative paths resolve against {@code home}, the default roots apply. */
    public ReadDir(Path home) {
        this(FileRoots.defaults(home), new SharedFolderForce());
    }

    ReadDir(FileRoots roots, SharedFolderForce forces) {
        this.roots = roots;
        this.forces = forces;
    }

    @Override
    public ScheduleType scheduleType() {
        return ScheduleType.EVENT;
    }

    @Override
    public void init(ProcessorContext processorContext) throws Exception {
        this.context = processorContext;
        Map<String, Object> raw = processorContext.rawConfiguration();
        boolean goKeys = raw.get("regex_filter") != null || raw.get("remove_source") != null;
        input = roots.forWriting(processorContext.config("input"));
        if (goKeys && !Files.isDirectory(input)) {
            throw new NoSuchFileException(FileNames.readable(input), null, "ReadDir " + processorContext.processorName()
                    + " of flow " + processorContext.flowName() + ": the input folder does not exist");
        }
        Files.createDirectories(input);
        input = roots.forReading(input.toString());
        pattern = namePattern(processorContext);
        recursive = processorContext.config("recursive", Boolean.class);
        if (raw.get("afterSuccess") != null && raw.get("remove_source") != null) {
            throw new IllegalArgumentException("ReadDir " + processorContext.processorName() + " of flow " + processorContext.flowName()
                    + " sets both 'afterSuccess' and its Go form 'remove_source': keep one");
        }
        String after = raw.get("remove_source") != null ? (processorContext.config("remove_source", Boolean.class) ? "delete" : "keep")
                : processorContext.optionalConfig("afterSuccess").orElse(goKeys ? "keep" : "delete").trim();
        switch (after) {
            case "delete" -> done = null;
            case "keep" -> {
                done = null;
                kept = new KeptFiles(processorContext);
                kept.load();
            }
            case "move" -> {
                Path folder = roots.forWriting(processorContext.optionalConfig("doneDirectory").orElseThrow(
                        () -> new IllegalArgumentException("afterSuccess=move needs doneDirectory")));
                if (recursive && folder.startsWith(input)) {
                    // its files would be listed again and processed forever
                    throw new IllegalArgumentException("doneDirectory " + folder + " is inside the recursive input " + input);
                }
                Files.createDirectories(folder);
                done = new DoneFolder(input, folder, forces);
            }
            default -> throw new IllegalArgumentException("afterSuccess must be 'delete', 'move' or 'keep', was '" + after + "'");
        }
        minAgeMillis = processorContext.config("minAgeMillis", Long.class);
        failed = new FailedFiles(processorContext);
        failed.load();
    }

    /** The file-name filter: {@code pattern} (a glob) or the Go project's {@code regex_filter} (found anywhere in the name). */
    private static Predicate<Path> namePattern(ProcessorContext context) {
        if (context.rawConfiguration().get("regex_filter") == null) {
            PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + context.config("pattern"));
            return glob::matches;
        }
        if (context.rawConfiguration().get("pattern") != null) {
            throw new IllegalArgumentException("ReadDir " + context.processorName() + " of flow " + context.flowName()
                    + " sets both 'pattern' and 'regex_filter': keep one");
        }
        String regex = context.config("regex_filter");
        try {
            Pattern compiled = Pattern.compile(regex);
            return name -> compiled.matcher(name.toString()).find();
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("ReadDir " + context.processorName() + " of flow " + context.flowName()
                    + ": regex_filter '" + regex + "' is not a regular expression: " + e.getDescription(), e);
        }
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
            String mark = FileNames.mark(file);
            if (inFlight.containsKey(mark)) {
                continue;
            }
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                // ENOTDIR, ESTALE, EACCES: this file only; nothing of the call is lost
                report(file, mark, "cannot read its attributes (" + e + ")");
                continue;
            }
            if (!attributes.isRegularFile()) {
                // whoever drops files here is not trusted: a link would hand the flow any file the engine can read
                if (!attributes.isDirectory()) {
                    report(file, mark, attributes.isSymbolicLink() ? "a symbolic link (links in an input folder are never followed)"
                            : "not a regular file");
                }
                continue;
            }
            if (failed.isFailed(mark, attributes)) {
                continue; // the file that failed, left for an operator
            }
            if (kept != null && kept.isProcessed(mark, attributes)) {
                continue; // kept, and processed as it is
            }
            long modified = attributes.lastModifiedTime().toMillis();
            if (modified > now + FUTURE_SLACK_MILLIS) {
                report(file, mark, "modified in the future (" + attributes.lastModifiedTime() + "): it waits until that time is "
                        + minAgeMillis + " ms past");
                continue;
            }
            if (now - modified < minAgeMillis) {
                continue;
            }
            if (!Files.isReadable(file)) {
                // a broken upload of another owner: waits, named once, until it is readable; the others go on
                report(file, mark, "not readable by the engine (owner or mode)");
                continue;
            }
            reported.remove(mark);
            String readable = FileNames.readable(file);
            results.add(new TriggerResult(Map.of("ReadDir.Path", readable, "ReadDir.FilePath", readable,
                    "ReadDir.InputPath", FileNames.readable(input), "ReadDir.Name", readable.substring(readable.lastIndexOf('/') + 1),
                    "ReadDir.Size", attributes.size()), mark, () -> open(file, mark)));
            inFlight.put(mark, FailedFiles.identity(attributes));
        }
        return results;
    }

    /** The file's content for the engine; a failure to read it is noted against the item, so that it alone fails. */
    private InputStream open(Path file, String mark) throws IOException {
        InputStream in;
        try {
            in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            unreadable.put(mark, GONE);
            throw e;
        } catch (IOException e) {
            unreadable.put(mark, e.toString());
            throw e;
        }
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (IOException e) {
                    unreadable.put(mark, e.toString());
                    throw e;
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (IOException e) {
                    unreadable.put(mark, e.toString());
                    throw e;
                }
            }
        };
    }

    /**
     * Lists the folder into {@link #listing}, in name order. Only once every file of a listing was looked at is
     * the folder listed again, so that a call costs the same whether 100 or 100,000 files wait: a listing is
     * paid for once per file, not once per call. Files that arrive meanwhile are found by the next listing.
     * A subfolder that cannot be listed (an unreadable {@code lost+found}) is skipped, named in the log.
     */
    private void list() throws IOException, StateException {
        if (heldElsewhere) {
            // another instance's sessions held files of ours: the failures it noted since are in the shared state
            heldElsewhere = false;
            failed.load();
            if (kept != null) {
                kept.load();
            }
        }
        List<Path> candidates = new ArrayList<>();
        Map<String, String> unlisted = new HashMap<>();
        if (recursive) {
            Files.walkFileTree(input, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (matches(file)) {
                        candidates.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (file.equals(input)) {
                        throw e;
                    }
                    unlisted.put(FileNames.mark(file), "cannot be listed or read (" + e + ")");
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path folder, IOException e) throws IOException {
                    if (e != null) {
                        if (folder.equals(input)) {
                            throw e;
                        }
                        unlisted.put(FileNames.mark(folder), "cannot be listed (" + e + ")");
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } else {
            try (Stream<Path> files = Files.list(input)) {
                files.filter(this::matches).forEach(candidates::add);
            }
        }
        candidates.sort(null);
        listing.addAll(candidates);
        if (kept != null && unlisted.isEmpty()) {
            Set<String> listed = new HashSet<>();
            candidates.forEach(file -> listed.add(FileNames.mark(file)));
            kept.forgetGone(listed);
        }
        // reported once while a file stays so; again if it comes back
        Map<String, String> stillReported = new ConcurrentHashMap<>();
        for (Path file : candidates) {
            String mark = FileNames.mark(file);
            String said = reported.get(mark);
            if (said != null) {
                stillReported.put(mark, said);
            }
        }
        unlisted.forEach((mark, why) -> {
            if (!why.equals(reported.get(mark))) {
                context.logger().log(System.Logger.Level.WARNING, "skipping folder " + FileNames.readable(FileNames.path(mark)) + ": " + why);
            }
            stillReported.put(mark, why);
        });
        reported = stillReported;
    }

    private boolean matches(Path file) {
        Path name = file.getFileName();
        return !NoReplace.isTemporary(name.toString()) && pattern.test(name); // temporary names are ASCII
    }

    /** Says once, while it stays so, why a file is skipped. */
    private void report(Path file, String mark, String why) {
        if (!why.equals(reported.put(mark, why))) {
            context.logger().log(System.Logger.Level.WARNING, "skipping " + FileNames.readable(file) + ": " + why);
        }
    }

    @Override
    public void itemsReceived(List<ItemOutcome> outcomes) {
        for (ItemOutcome outcome : outcomes) {
            String mark = outcome.item().triggerMark();
            String unread = unreadable.remove(mark);
            switch (outcome.status()) {
                case STARTED -> {
                }
                // the live session is another instance's (the flow's previous version, or a run before a restart): its
                // end is told there, not here; emitted again by a later listing, and a duplicate while that session lives
                case DUPLICATE -> {
                    inFlight.remove(mark);
                    heldElsewhere = true;
                }
                case NOT_STARTED -> {
                    String identity = inFlight.remove(mark); // emitted again by the next call, unless it cannot be read
                    if (unread != null && !unread.equals(GONE)) {
                        String reason = "its content could not be read: " + unread;
                        context.logger().log(System.Logger.Level.WARNING, "cannot start a session for "
                                + FileNames.readable(FileNames.path(mark)) + ", remembered as failed, the others go on: " + reason);
                        failed.remember(mark, identity != null ? identity : FailedFiles.identityNow(FileNames.path(mark)), reason);
                    }
                }
            }
        }
    }

    @Override
    public void sessionEnded(SessionUpdate update) {
        String mark = update.triggerMark();
        Path file;
        try {
            file = FileNames.path(mark);
        } catch (IllegalArgumentException e) { // InvalidPathException too
            context.logger().log(System.Logger.Level.ERROR, "the end of session " + update.sessionId() + " names no file: " + e.getMessage());
            return;
        }
        String name = FileNames.readable(file);
        if (update.failed()) {
            String now = FailedFiles.identityNow(file);
            String identity = inFlight.get(mark); // as it was when emitted; after a restart, as it is now
            if (identity == null) {
                identity = now;
            }
            if (identity != null) {
                failed.remember(mark, identity, "session " + update.sessionId() + " failed: " + update.error());
            }
            context.logger().log(System.Logger.Level.WARNING, "session of " + name + " failed; " + (now == null
                    ? "the file is gone (a new file under its name is processed)" : "the file stays, not emitted again") + ": " + update.error());
            inFlight.remove(mark);
            return;
        }
        if (kept != null) {
            String identity = inFlight.get(mark); // as it was when emitted; after a restart, as it is now
            if (identity == null) {
                identity = FailedFiles.identityNow(file);
            }
            try {
                if (identity != null) { // null: gone, nothing to remember
                    kept.remember(mark, identity);
                }
            } catch (StateException e) {
                // stays in flight: not emitted again in this run; after a restart it is emitted again
                context.logger().log(System.Logger.Level.ERROR, "cannot remember that " + name + " was processed: " + e.getMessage());
                return;
            }
            inFlight.remove(mark);
            return;
        }
        String emitted = inFlight.get(mark);
        String now = emitted == null ? null : FailedFiles.identityNow(file);
        if (now != null && !now.equals(emitted)) {
            // another file was put under the name while the session ran (a new upload renamed over it): that one is
            // not processed yet, and is emitted for its own session
            context.logger().log(System.Logger.Level.WARNING, name + " was replaced while its session ran: the new file is left"
                    + " for its own session, not " + (done != null ? "moved" : "deleted"));
            inFlight.remove(mark);
            return;
        }
        try {
            if (done != null) {
                try {
                    done.move(file);
                } catch (NoSuchFileException e) {
                    // told again after a restart: already moved
                }
            } else {
                Files.deleteIfExists(file); // gone already when told again after a restart
            }
            // also when it was gone already: its removal may not have reached the disk before a crash. Forced before the
            // engine logs the end, so a power loss never brings back a processed file
            forces.force(file.getParent());
        } catch (IOException e) {
            // stays in flight: not emitted again in this run, where it would be processed a second time
            context.logger().log(System.Logger.Level.ERROR, "cannot " + (done != null ? "move " : "delete ") + name + ": " + e);
            return;
        }
        failed.forget(mark); // a failed file retried (streamline:retry) and processed now
        inFlight.remove(mark);
    }
}
