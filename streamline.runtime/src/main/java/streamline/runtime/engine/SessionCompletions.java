package streamline.runtime.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;

import streamline.runtime.content.FolderForces;

/**
 * The writes that complete sessions, forced together. A worker whose step completed its session hands the write
 * in and goes on to its next step instead of waiting for the disk; the committer thread forces the folders the
 * steps asked for (each once), writes everything handed in meanwhile in one forced write, ends those sessions,
 * and again until nothing is left. Sessions completing together thus cost one force of the log and one of each
 * folder, and no worker waits for them. A step's place in the journal's gate passes to its completion and is
 * left once the completion is written (or failed): a switch of logs or a stop, which wait for the steps inside
 * the gate, still find every completion written.
 */
final class SessionCompletions {

    private static final Logger LOG = LogManager.getLogger(SessionCompletions.class);

    /**
     * A session's last write: its {@code entries}, after its step's {@code folders} are forced; {@code logged}
     * once they are written, with where ({@link StepJournal.Written}); {@code alone} writes them by themselves, with
     * their own retries and refusal (when a shared write failed: one of them may be refused); {@code unforced} fails the session when a folder could
     * not be forced, saying why.
     */
    record Completion(List<LogEntry> entries, Set<Path> folders, Consumer<StepJournal.Written> logged, Runnable alone,
            Consumer<String> unforced) {
    }

    private final StepJournal journal;
    private final FolderForces folderForces;
    private final Executor committer;
    /** Guarded by this. */
    private final ArrayDeque<Completion> waiting = new ArrayDeque<>();
    /** Guarded by this: whether the committer is writing the waiting completions. */
    private boolean writing;

    SessionCompletions(StepJournal journal, FolderForces folderForces, Executor committer) {
        this.journal = journal;
        this.folderForces = folderForces;
        this.committer = committer;
    }

    /**
     * Hands a completion in from inside a step, whose place in the gate it takes over: the caller does not leave
     * the gate for it. Once the engine stops taking tasks, the caller writes it itself.
     */
    void complete(Completion completion) {
        synchronized (this) {
            waiting.add(completion);
            if (writing) {
                return;
            }
            writing = true;
        }
        try {
            committer.execute(this::writeWaiting);
        } catch (RejectedExecutionException e) {
            writeWaiting();
        }
    }

    private void writeWaiting() {
        while (true) {
            List<Completion> batch;
            synchronized (this) {
                if (waiting.isEmpty()) {
                    writing = false;
                    return;
                }
                batch = new ArrayList<>(waiting);
                waiting.clear();
            }
            if (!journal.retired()) {
                // the engine runs (a stop retires the journal before it interrupts this thread): an interrupt left on the
                // thread by an earlier write (a fault interrupting it) is no stop, and must not cost these sessions their end
                Thread.interrupted();
            }
            try {
                write(batch);
            } catch (Throwable e) {
                // nothing may end this loop but an empty queue: with "writing" left set, no session would complete again
                LOG.error("completing {} sessions failed; their last steps run again after the next start: {}", batch.size(),
                        e.toString(), e);
            } finally {
                batch.forEach(completion -> journal.stepDone());
            }
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
        StepJournal.Written written;
        try {
            written = journal.appendInside(entries);
        } catch (WriteAheadLogException | RuntimeException e) {
            // the log failing, or refusing one of them: each on its own, so only a refused one fails its session
            batch.forEach(completion -> run(completion.alone()));
            return;
        }
        batch.forEach(completion -> run(() -> completion.logged().accept(written)));
    }

    /** Forces each folder of the batch once; returns the completions whose folders are all forced. */
    private List<Completion> forceFolders(List<Completion> batch) {
        Map<Path, String> failures = new HashMap<>();
        for (Completion completion : batch) {
            for (Path folder : completion.folders()) {
                if (failures.containsKey(folder)) {
                    continue;
                }
                while (!failures.containsKey(folder)) {
                    try {
                        folderForces.force(folder);
                        failures.put(folder, null);
                    } catch (IOException e) {
                        if (!FolderForces.interrupted(e)) {
                            failures.put(folder, FolderForces.failure(folder, e));
                        } else if (journal.retired()) {
                            return List.of(); // stopped: these steps are unfinished in the log and run again after the next start
                        } else {
                            Thread.interrupted(); // a stray interrupt (one a fault left on an earlier write), not the stop
                        }
                    } catch (InterruptedException e) {
                        if (journal.retired()) {
                            Thread.currentThread().interrupt();
                            return List.of();
                        }
                    }
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
        } catch (Throwable e) {
            LOG.error("ending a completed session failed: {}", e.toString(), e);
        }
    }
}
