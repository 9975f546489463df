package streamline.api.state;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The state of one processor, kept across restarts: for example the files a directory trigger
 * already emitted. The engine gives each processor its own state manager.
 *
 * <p>Thread-safe. Writes are durable when they return. A state that grows with the items a processor
 * sees is kept with per-key {@link #update}s, whose cost does not grow with it; whole-state {@link #set}
 * is for small states.
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

    /**
     * Sets and removes keys of a scope's state in one durable update. An implementation makes its cost
     * independent of the size of the state (the engine's journals the update and shares forces between
     * concurrent ones); the default replaces the whole state. A key both set and removed is set.
     *
     * @since 1.1
     */
    default void update(StateScope scope, Map<String, String> puts, Set<String> removals) throws StateException {
        Map<String, String> next = new HashMap<>(get(scope));
        next.keySet().removeAll(removals);
        next.putAll(puts);
        set(scope, next);
    }

    /** Sets one key: {@link #update} with one put. @since 1.1 */
    default void put(StateScope scope, String key, String value) throws StateException {
        update(scope, Map.of(key, value), Set.of());
    }

    /** Removes one key: {@link #update} with one removal. @since 1.1 */
    default void remove(StateScope scope, String key) throws StateException {
        update(scope, Map.of(), Set.of(key));
    }
}
