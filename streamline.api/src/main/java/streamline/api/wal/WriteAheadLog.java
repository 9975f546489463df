package streamline.api.wal;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The write-ahead log: the record of every processing step, from which the engine resumes every
 * unfinished step after a crash or a restart.
 *
 * <h2>Service</h2>
 * Implementations register this interface with the property {@value #TYPE_PROPERTY} (for example
 * {@code file}, {@code jpa}) and an {@code Integer} {@code service.ranking}. Without a target filter
 * a consumer gets the highest {@code service.ranking}; a tie goes to the lowest {@code service.id}.
 *
 * <h2>Contract</h2>
 * <ul>
 * <li>Thread-safe: appends may come from many threads at once; each gets a distinct, increasing
 * sequence number.</li>
 * <li>An append returns only once its entry is as durable as the log's configured policy promises;
 * if it cannot, it throws, and never drops an entry silently.</li>
 * <li>The reads reflect every append that returned before the read started.</li>
 * <li>A log may discard entries of finished sessions (compaction); it keeps every entry of every
 * unfinished session.</li>
 * <li>A session started again after its end is live: entries appended for a session after its
 * {@code SESSION_FINISHED} (a session handed back into a log it was handed over from) are live
 * entries, its entries up to that end are not, and compaction keeps the new ones.</li>
 * <li>An entry is kept whole or refused when appended ({@link EntryRejectedException}), never
 * acknowledged and then cut or dropped. Every log keeps entries of a few megabytes.</li>
 * </ul>
 */
@ProviderType
public interface WriteAheadLog {

    /** The service property naming the implementation, for target filters. */
    String TYPE_PROPERTY = "streamline.wal.type";

    /**
     * Appends an entry; its {@code sequence} is ignored and a new one assigned.
     *
     * @return the sequence number the entry got
     * @throws EntryRejectedException if the log cannot store this entry (too large for it); nothing
     *         was written, and the same entry will be refused again
     * @throws WriteAheadLogException if the entry could not be made durable (full disk, I/O error,
     *         closed log); the log stays consistent and the entry must be taken as not written
     */
    long append(LogEntry entry) throws WriteAheadLogException;

    /**
     * Appends several entries in order, as one write where the log can.
     *
     * @return the sequence number of the last entry
     * @throws EntryRejectedException if the log cannot store one of the entries; none was written
     * @throws WriteAheadLogException if not all could be made durable; a prefix may be
     */
    long appendAll(List<LogEntry> entries) throws WriteAheadLogException;

    /**
     * Appends entries whose loss in a crash of the machine is harmless, because whoever reads the log
     * redoes what they record (the end of a session whose steps are all logged as completed): written
     * in order with every other entry, but the call need not wait until they are forced to disk. The
     * next append that does wait, or a clean close, makes them durable too. An implementation that
     * cannot tell the two apart waits, as {@link #appendAll} does (the default).
     *
     * @return the sequence number of the last entry
     * @throws EntryRejectedException if the log cannot store one of the entries; none was written
     * @throws WriteAheadLogException if they could not be written
     * @since 2.1
     */
    default long appendUnforced(List<LogEntry> entries) throws WriteAheadLogException {
        return appendAll(entries);
    }

    /**
     * Tells when an appended entry is durable: written and, as far as the log's policy forces anything, forced, so
     * that neither a crash of the process nor (unless the policy leaves that to the OS) of the machine loses it or
     * any entry before it. Under a policy that forces every so often, or for entries appended with
     * {@link #appendUnforced}, that is later than the append's return. Whoever deletes what a replay of an entry
     * would need (a session's content, once its end is logged) waits for this first.
     * <p>
     * The stage may complete on a thread of the log, even one holding its locks: attach actions with an executor
     * (the {@code *Async} methods), never ones that call the log. It completes exceptionally if the log fails or is
     * closed before the entry is durable; the entry's fate is then unknown until the log is opened again. A log
     * whose every append is durable once it returns (the default) gives a completed stage.
     *
     * @param sequence a sequence number an append of this log returned
     * @since 2.2
     */
    default CompletionStage<Void> whenDurable(long sequence) {
        return CompletableFuture.completedStage(null);
    }

    /**
     * Makes every entry appended so far durable, as a forced append under the log's policy makes its own: those
     * appended with {@link #appendUnforced} included. Whoever stops writing to a log that stays open (a swap to another
     * log) calls it, since no next append of theirs will. The default does nothing, which is right for a log whose
     * every append is durable once it returns.
     *
     * @throws WriteAheadLogException if they could not be made durable (I/O error, failed or closed log); their fate is
     *         then unknown until the log is opened again
     * @since 2.3
     */
    default void force() throws WriteAheadLogException {
    }

    /** Records that a session ended; its steps are no longer unfinished. */
    default long recordSessionFinished(UUID sessionId, UUID flowId, String triggerMark, String error)
            throws WriteAheadLogException {
        return append(LogEntry.sessionFinished(sessionId, flowId, triggerMark, error));
    }

    /** Every entry the log still holds, in sequence order. */
    List<LogEntry> entries() throws WriteAheadLogException;

    /**
     * Every entry of every unfinished session, in sequence order: what a new log needs to carry the
     * sessions on (see a hot swap) and what recovery reads. A session whose entries go on after its
     * {@code SESSION_FINISHED} entry (handed to another log and back, under the same id) is unfinished
     * again: its entries after its last end are live, and no compaction discards them
     * ({@link LiveSteps#liveEntries}).
     */
    List<LogEntry> liveEntries() throws WriteAheadLogException;

    /**
     * The latest {@code STEP_STARTED} entry of every unfinished step of every unfinished session,
     * in sequence order. Never a step of a finished session, never a completed step.
     */
    default List<LogEntry> unfinishedSteps() throws WriteAheadLogException {
        return LiveSteps.unfinishedSteps(liveEntries());
    }
}
