package streamline.wal.file;

import java.nio.file.Path;

/** A finding of recovery: what was wrong where, and what was done about it. */
record RecoveryEvent(Path file, long offset, long bytes, String action, String reason) {
    @Override
    public String toString() {
        return action + ": " + file + " at offset " + offset + " (" + bytes + " bytes): " + reason;
    }
}
