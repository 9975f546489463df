package streamline.runtime.engine;

import java.util.UUID;

import org.apache.logging.log4j.ThreadContext;

/**
 * The flow, session and processor (or trigger) a thread's log lines are about, in Log4j's thread context, set
 * around a piece of work and put back as they were when it is done. Engine threads take turns at many sessions
 * (a worker telling a trigger of ends queued by other sessions, the committer ending a batch, the scheduler
 * resuming recovered sessions), so every such turn sets all three: a value it does not know is removed, never
 * left over from the turn before.
 */
final class LogContext implements AutoCloseable {

    static final String FLOW = "flow";
    static final String SESSION = "session";
    static final String PROCESSOR = "processor";

    private final String flow;
    private final String session;
    private final String processor;

    private LogContext() {
        this.flow = ThreadContext.get(FLOW);
        this.session = ThreadContext.get(SESSION);
        this.processor = ThreadContext.get(PROCESSOR);
    }

    /** Sets the three (null removes one) until {@link #close}. */
    static LogContext of(String flow, UUID session, String processor) {
        LogContext previous = new LogContext();
        set(FLOW, flow);
        set(SESSION, session == null ? null : session.toString());
        set(PROCESSOR, processor);
        return previous;
    }

    /**
     * A session's flow and id; the processor only if the thread is at a step of that very session already (a
     * worker failing its own session), none otherwise.
     */
    static LogContext of(SessionRun session) {
        FlowRun run = session.run;
        String processor = session.id.toString().equals(ThreadContext.get(SESSION)) ? ThreadContext.get(PROCESSOR) : null;
        return of(run == null ? null : run.name(), session.id, processor);
    }

    /** None of the three: work that is about no one session (carrying a log's sessions over, say). */
    static LogContext none() {
        return of(null, null, null);
    }

    private static void set(String key, String value) {
        if (value == null) {
            ThreadContext.remove(key);
        } else {
            ThreadContext.put(key, value);
        }
    }

    /** Puts back what the thread's context held before. */
    @Override
    public void close() {
        set(FLOW, flow);
        set(SESSION, session);
        set(PROCESSOR, processor);
    }
}
