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
 * expression; an {@link ScheduleType#EVENT} trigger is called over and over on a thread of its own
 * and may block in a call until items arrive, honouring interruption (the engine interrupts it to
 * stop the flow).</li>
 * <li>Calls of {@link #trigger} for one instance never overlap.</li>
 * <li>An exception from {@link #trigger} is logged and the trigger is backed off; it never harms the
 * engine or other flows.</li>
 * <li>{@link #sessionEnded} tells the trigger when each session it started has ended (finished or
 * failed), so it acknowledges its source only after the work is done. It may be called from any
 * thread, concurrently with {@link #trigger}. It is called at least once per session: before the
 * session's end is logged, so after a crash it may be called again for the same session (keep it
 * idempotent), and it is never missed.</li>
 * </ul>
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

    /** A session this trigger started has ended; {@link SessionUpdate#triggerMark()} says which item. */
    default void sessionEnded(SessionUpdate update) {
    }

    /** Releases what {@link #init} took; called once, when the flow stops using this instance. */
    default void close() throws Exception {
    }
}
