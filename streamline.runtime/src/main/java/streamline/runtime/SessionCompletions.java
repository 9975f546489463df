package streamline.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

/**
 * The writes that complete sessions, forced together. A worker whose step completed its session hands the write
 * in and goes on to its next step instead of waiting for the disk, unless no one leads: then it leads, forcing
 * the folders the steps asked for (each once) and writing everything handed in meanwhile in one forced write,
 * ending those sessions, and again until nothing is left. Sessions completing together thus cost one force of
 * the log and one of each folder, and only the leader waits for them. Handing in and writing both happen inside
 * a step's gate (the leader's step holds it until the queue is empty), so a switch of logs, which waits for
 * running steps, still finds every completion written.
 */
final class SessionCompletions {

    private static final Logger LOG = LogManager.getLogger(SessionCompletions.class);

    /**
     * A session's last write: its {@code entries}, after its step's {@code folders} are forced; {@code logged}
     * once they are durable; {@code alone} writes them by themselves, with their own retries and refusal (when a
     * shared write failed: one of them may be refused); {@code unforced} fails the session when a folder could
     * not be forced, saying why.
     */
    record Completion(List<LogEntry> entries, Set<Path> folders, Runnable logged, Runnable alone, Consumer<String> unforced) {
    }

    private final StepJournal journal;
    private final FolderForces folderForces;
    /** Guarded by this. */
    private final ArrayDeque<Completion> waiting = new ArrayDeque<>();
    /** Guarded by this: whether a thread is writing the waiting completions. */
    private boolean leading;

    SessionCompletions(StepJournal journal, FolderForces folderForces) {
        this.journal = journal;
        this.folderForces = folderForces;
    }

    /** Hands a completion in from inside a step; writes it (and whatever else waits) if no one else does. */
    void complete(Completion completion) {
        synchronized (this) {
            waiting.add(completion);
            if (leading) {
                return;
            }
            leading = true;
        }
        while (true) {
            List<Completion> batch;
            synchronized (this) {
                if (waiting.isEmpty()) {
                    leading = false;
                    return;
                }
                batch = new ArrayList<>(waiting);
                waiting.clear();
            }
            write(batch);
        }
    }

    private void write(List<Completion> handedIn) {
        List<Completion> batch = forceFolders(handedIn);
        if (batch.isEmpty()) {
            return;
        }
        if (batch.size() == 1) {
            run(batch.get(0).alone());
            return;
        }
        List<LogEntry> entries = new ArrayList<>();
        batch.forEach(completion -> entries.addAll(completion.entries()));
        try {
            journal.appendInside(entries);
        } catch (WriteAheadLogException | RuntimeException e) {
            // the log failing, or refusing one of them: each on its own, so only a refused one fails its session
            batch.forEach(completion -> run(completion.alone()));
            return;
        }
        batch.forEach(completion -> run(completion.logged()));
    }

    /** Forces each folder of the batch once; returns the completions whose folders are all forced. */
    private List<Completion> forceFolders(List<Completion> batch) {
        Map<Path, String> failures = new HashMap<>();
        for (Completion completion : batch) {
            for (Path folder : completion.folders()) {
                if (failures.containsKey(folder)) {
                    continue;
                }
                try {
                    folderForces.force(folder);
                    failures.put(folder, null);
                } catch (IOException e) {
                    failures.put(folder, FolderForces.failure(folder, e));
                } catch (InterruptedException e) {
                    // stopping: these steps are unfinished in the log and run again after the next start
                    Thread.currentThread().interrupt();
                    return List.of();
                }
            }
        }
        List<Completion> forced = new ArrayList<>();
        for (Completion completion : batch) {
            String failure = completion.folders().stream().map(failures::get).filter(Objects::nonNull).findFirst().orElse(null);
            if (failure == null) {
                forced.add(completion);
            } else {
                run(() -> completion.unforced().accept(failure));
            }
        }
        return forced;
    }

    /** One session's part: whatever it throws is the session's, never the other sessions' of the batch. */
    private static void run(Runnable part) {
        try {
            part.run();
        } catch (RuntimeException | LinkageError e) {
            LOG.error("ending a completed session failed: {}", e.toString(), e);
        }
    }
}
