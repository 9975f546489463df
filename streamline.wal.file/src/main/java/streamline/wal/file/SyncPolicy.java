package streamline.wal.file;

import java.util.Locale;

/** When appended bytes are forced to disk. */
enum SyncPolicy {
    /** An append returns only once its bytes are forced; concurrent appends share forces. */
    ALWAYS,
    /** Forced every configured interval; a crash may lose the appends of the last interval. */
    INTERVAL,
    /** Left to the operating system; a crash may lose whatever it had not written. */
    NEVER;

    static SyncPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("sync policy '" + text + "' is not one of always, interval, never");
        }
    }
}
