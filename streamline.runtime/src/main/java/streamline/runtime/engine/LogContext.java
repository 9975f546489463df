package streamline.runtime.engine;

import java.util.UUID;

import org.apache.logging.log4j.ThreadContext;

/**
 * The flow, session and processor (or trigger) a thread's log lines are about, in Log4j's thread context, set
 * around a piece of work and put back as they were when it is done: the flow's and the processor's names
 * ({@value #FLOW}, {@value #PROCESSOR}) for people, and their ids ({@value #FLOW_ID}, {@value #PROCESSOR_ID}), which
 * stay the same when a flow or processor is renamed, for tools that collect the lines. Engine threads take turns at
 * many sessions (a worker telling a trigger of ends queued by other sessions, the committer ending a batch, the
 * scheduler resuming recovered sessions), so every such turn sets all of them: a value it does not know is removed,
 * never left over from the turn before.
 */
final class LogContext implements AutoCloseable {

    static final String FLOW = "flow";
    static final String FLOW_ID = "flowId";
    static final String SESSION = "session";
    static final String PROCESSOR = "processor";
    static final String PROCESSOR_ID = "processorId";
    private static final String[] KEYS = {FLOW, FLOW_ID, SESSION, PROCESSOR, PROCESSOR_ID};

    /** What the thread's context held before, in the order of {@link #KEYS}. */
    private final String[] previous = new String[KEYS.length];

    private LogContext() {
        for (int i = 0; i < KEYS.length; i++) {
            previous[i] = ThreadContext.get(KEYS[i]);
        }
    }

    /** Sets the flow, session and processor (a null removes a value) until {@link #close}. */
    static LogContext of(String flowName, UUID flowId, UUID session, String processorName, UUID processorId) {
        return set(flowName, text(flowId), text(session), processorName, text(processorId));
    }

    private static LogContext set(String flowName, String flowId, String session, String processorName, String processorId) {
        LogContext context = new LogContext();
        set(FLOW, flowName);
        set(FLOW_ID, flowId);
        set(SESSION, session);
        set(PROCESSOR, processorName);
        set(PROCESSOR_ID, processorId);
        return context;
    }

    /** A flow's run, with a session or none, and a processor or trigger or none. */
    static LogContext of(FlowRun run, UUID session, String processorName, UUID processorId) {
        return of(run.name(), run.id(), session, processorName, processorId);
    }

    /**
     * A session's flow and id; the processor only if the thread is at a step of that very session already (a
     * worker failing its own session), none otherwise.
     */
    static LogContext of(SessionRun session) {
        FlowRun run = session.run;
        boolean atItsStep = session.id.toString().equals(ThreadContext.get(SESSION));
        String processor = atItsStep ? ThreadContext.get(PROCESSOR) : null;
        String processorId = atItsStep ? ThreadContext.get(PROCESSOR_ID) : null;
        return set(run == null ? null : run.name(), text(run == null ? session.flowId : run.id()), text(session.id), processor,
                processorId);
    }

    /** None: work that is about no one session (carrying a log's sessions over, say). */
    static LogContext none() {
        return of(null, null, null, null, null);
    }

    private static String text(UUID id) {
        return id == null ? null : id.toString();
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
        for (int i = 0; i < KEYS.length; i++) {
            set(KEYS[i], previous[i]);
        }
    }
}
