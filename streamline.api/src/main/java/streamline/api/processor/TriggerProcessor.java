package streamline.api.processor;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

import streamline.api.engine.SessionUpdate;

/**
 * The start of a flow, written by plug-in authors: it emits the items that start sessions.
 *
 * <h2>Registration</h2>
 * Like {@link Processor}: a prototype-scoped service with the property
 * {@value Processor#TYPE_PROPERTY}. The engine takes one instance per trigger of a flow.
 *
 * <h2>Contract</h2>
 * <ul>
 * <li>A {@link ScheduleType#CRON} trigger is called on each fire of its definition's cron
 * expression; an {@link ScheduleType#EVENT} trigger is called over and over, with a pause after a call
 * that brought nothing. A call may block until items arrive, honouring interruption (the engine
 * interrupts it to stop the flow); the engine's threads are shared by all triggers, and one that blocks
 * gets a thread of its own while it does.</li>
 * <li>Calls of {@link #trigger} for one instance never overlap.</li>
 * <li>An exception from {@link #trigger} is logged and the trigger is backed off; it never harms the
 * engine or other flows.</li>
 * <li>{@link #sessionEnded} tells the trigger when each session it started has ended (finished or
 * failed), so it acknowledges its source only after the work is done. It may be called from any
 * thread, but never while a call of {@link #trigger} is in progress: an end that comes meanwhile is
 * told after the call and its {@link #itemsReceived}. It is called at least once per session: before
 * the session's end is logged, so after a crash it may be called again for the same session (keep it
 * idempotent), and it is never missed, also when the trigger's bundle is stopped at the end (the end
 * then waits for a provider of the trigger to come back).</li>
 * <li>{@link #itemsReceived} tells the trigger, after each call that returned items, what became of
 * every one of them: durably started, a duplicate of a live session, or not started (with the
 * reason). It is called on the thread that called {@link #trigger}, before the next call, for every
 * call that returned items, also when the flow is stopping or the trigger's bundle is going away.</li>
 * </ul>
 *
 * <h2>Exactly once: the pattern for a trigger</h2>
 * A batch of items starts as one unit: the engine stores every item's content, then logs the
 * first steps of all of them in one write, so either every item is durably started or none is. And
 * the engine never starts a second session for a trigger mark whose session is live, whether it is
 * running or was recovered after a crash: such an item is answered {@link ItemOutcome.Status#DUPLICATE}.
 * So a trigger gets every item of its source processed exactly once by following three rules:
 * <ol>
 * <li>give every item a mark that identifies it in the source (a file's path, a message's id);</li>
 * <li>emit every item it has not yet seen end, and that it has not emitted in this run, unless its
 * emission came back {@link ItemOutcome.Status#NOT_STARTED}: after a restart that means emitting
 * again everything not acknowledged, and the engine answers those already in progress as duplicates;</li>
 * <li>acknowledge the item in the source (delete it, commit it) only in {@link #sessionEnded}, and keep
 * that idempotent.</li>
 * </ol>
 * A source that must be committed before it hands out more (a queue consumer) commits on
 * {@link ItemOutcome#accepted()}.
 */
@ConsumerType
public interface TriggerProcessor {

    /** How the engine calls this trigger. */
    ScheduleType scheduleType();

    /** Prepares this instance for one trigger of a flow; an exception keeps the flow from activating. */
    default void init(ProcessorContext context) throws Exception {
    }

    /**
     * Emits the next items; each starts a session. Returning an empty list is normal.
     *
     * @return at most {@link TriggerContext#capacity()} items
     */
    List<TriggerResult> trigger(TriggerContext context) throws Exception;

    /**
     * What became of the items one call of {@link #trigger} returned, one outcome per item in the
     * order returned. Called on the thread that made the call, before the next call.
     */
    default void itemsReceived(List<ItemOutcome> outcomes) {
    }

    /** A session this trigger started has ended; {@link SessionUpdate#triggerMark()} says which item. */
    default void sessionEnded(SessionUpdate update) {
    }

    /** Releases what {@link #init} took; called once, when the flow stops using this instance. */
    default void close() throws Exception {
    }
}
