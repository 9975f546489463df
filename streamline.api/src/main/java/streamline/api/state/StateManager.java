package streamline.api.state;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The state of one processor, kept across restarts: for example the files a directory trigger
 * already emitted. The engine gives each processor its own state manager.
 *
 * <p>Thread-safe. Writes are durable when they return.
 */
@ProviderType
public interface StateManager {

    /** The current state in a scope; empty if none was set. The map is immutable. */
    Map<String, String> get(StateScope scope) throws StateException;

    /** Replaces the state in a scope. */
    void set(StateScope scope, Map<String, String> state) throws StateException;

    /**
     * Replaces the state in a scope only if it still equals {@code expected}.
     *
     * @return whether it was replaced
     */
    boolean replace(StateScope scope, Map<String, String> expected, Map<String, String> updated) throws StateException;
}
