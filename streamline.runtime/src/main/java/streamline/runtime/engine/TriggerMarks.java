package streamline.runtime.engine;

import java.util.UUID;

/**
 * How a session's trigger and flow version are kept in the write-ahead log: the entry's trigger mark is
 * {@code <trigger id>[@<version>]|<mark the trigger gave>} (an empty id for a session submitted through the
 * {@code Engine} service; no version in logs written before versions were recorded), so that after a restart the
 * engine can still tell the right trigger that the session ended, and resume it on the definition it started with
 * ({@link FlowVersions}). Processors and triggers only ever see the mark they gave.
 */
record TriggerMarks(UUID triggerId, String mark, String version) {

    /** The key of a (trigger, mark) among live sessions, without a version. */
    static String encode(UUID triggerId, String mark) {
        return encode(triggerId, mark, null);
    }

    static String encode(UUID triggerId, String mark, String version) {
        return (triggerId == null ? "" : triggerId.toString()) + (version == null ? "" : "@" + version) + "|" + mark;
    }

    static TriggerMarks decode(String logged) {
        int bar = logged.indexOf('|');
        if (bar < 0) {
            return new TriggerMarks(null, logged, null);
        }
        String id = logged.substring(0, bar);
        String version = null;
        int at = id.indexOf('@');
        if (at >= 0) {
            version = id.substring(at + 1);
            id = id.substring(0, at);
            if (version.isEmpty()) {
                return new TriggerMarks(null, logged, null);
            }
        }
        UUID triggerId = null;
        if (!id.isEmpty()) {
            try {
                triggerId = UUID.fromString(id);
            } catch (IllegalArgumentException e) {
                return new TriggerMarks(null, logged, null);
            }
        }
        return new TriggerMarks(triggerId, logged.substring(bar + 1), version);
    }
}
