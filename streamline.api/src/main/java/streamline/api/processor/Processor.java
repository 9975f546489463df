package streamline.api.processor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A processing step of a flow, written by plug-in authors.
 *
 * <h2>Registration</h2>
 * A bundle registers its implementation as a <em>prototype-scoped</em> service of this interface
 * with the property {@value #TYPE_PROPERTY} naming the type that flow definitions use (for example
 * {@code WriteFile}). The engine takes one instance per processor of a flow, calls
 * {@link #init} once, {@link #process} for every session, and {@link #close} when the flow stops.
 *
 * <h2>Contract</h2>
 * <ul>
 * <li>The engine owns the unit of work: it logs the step, retries it, and handles its failure. A
 * processor only transforms; any exception it throws fails the step (the engine retries it as the
 * definition says), and never harms the engine.</li>
 * <li>{@link #process} may be called concurrently for different sessions: keep no per-session state
 * in fields.</li>
 * <li>A step may run again after a crash or a retry, so it should be idempotent, or at least safe to
 * repeat.</li>
 * <li>Long work should honour thread interruption: the engine interrupts a step that exceeds its
 * timeout.</li>
 * </ul>
 */
@ConsumerType
public interface Processor {

    /** The service property naming the type, for flow definitions. */
    String TYPE_PROPERTY = "streamline.processor.type";

    /**
     * Prepares this instance for one processor of a flow, before any {@link #process} call.
     * Validate the configuration here: an exception keeps the flow from activating, with its message.
     */
    default void init(ProcessorContext context) throws Exception {
    }

    /**
     * Runs the step for one session.
     *
     * @param input the metadata and trigger mark the step received
     * @param step the step's content, configuration and logger
     * @return the flow object passed to the next steps
     */
    FlowObject process(FlowObject input, StepContext step) throws Exception;

    /** Releases what {@link #init} took; called once, when the flow stops using this instance. */
    default void close() throws Exception {
    }
}
