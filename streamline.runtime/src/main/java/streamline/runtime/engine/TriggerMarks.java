package streamline.runtime.engine;

import java.util.UUID;

/**
 * How a session's trigger is kept in the write-ahead log: the entry's trigger mark is
 * {@code <trigger id>|<mark the trigger gave>} (an empty id for a session submitted through the
 * {@code Engine} service), so that after a restart the engine can still tell the right trigger that
 * the session ended. Processors and triggers only ever see the mark they gave.
 */
record TriggerMarks(UUID triggerId, String mark) {

    static String encode(UUID triggerId, String mark) {
        return (triggerId == null ? "" : triggerId.toString()) + "|" + mark;
    }

    static TriggerMarks decode(String logged) {
        int bar = logged.indexOf('|');
        if (bar < 0) {
            return new TriggerMarks(null, logged);
        }
        String id = logged.substring(0, bar);
        UUID triggerId = null;
        if (!id.isEmpty()) {
            try {
                triggerId = UUID.fromString(id);
            } catch (IllegalArgumentException e) {
                return new TriggerMarks(null, logged);
            }
        }
        return new TriggerMarks(triggerId, logged.substring(bar + 1));
    }
}
