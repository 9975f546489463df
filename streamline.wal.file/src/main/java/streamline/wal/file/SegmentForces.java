package streamline.wal.file;

import java.io.IOException;
import java.nio.file.Path;

import streamline.api.wal.WriteAheadLogException;

/**
 * The forces of the segment being written: where a group commit's force reaches, a force again through a reopened
 * channel, the force before a roll and on close, and what a failed force leaves (the log fails for good, and under
 * {@code always} what it did not cover is cut off). Separate from {@link SegmentWriter}, which writes: a force is what
 * makes written appends durable, with failures of its own. Every method runs under the write lock of the
 * {@link AppendQueue}, which the caller holds.
 */
final class SegmentForces {

    private final WalOptions options;
    private final Path directory;
    private final LogHealth health;
    private final CurrentSegment segment;
    private final WrittenRecords written;
    private final GroupCommit groupCommit;

    SegmentForces(WalOptions options, LogHealth health, CurrentSegment segment, WrittenRecords written, GroupCommit groupCommit) {
        this.options = options;
        this.directory = options.directory().toAbsolutePath();
        this.health = health;
        this.segment = segment;
        this.written = written;
        this.groupCommit = groupCommit;
    }

    /** Hands buffered records to the OS and tells what a force now covers. */
    GroupCommit.ForcePoint forcePoint() {
        segment.flush();
        return new GroupCommit.ForcePoint(written.writtenTotal(), written.lastSequence(), segment.channel(), segment.number(),
                segment.path());
    }

    /** See {@link GroupCommit.Segments#forceReopened}. */
    boolean forceReopened(long number) {
        if (health.closed() || number != segment.number()) {
            return false; // close or roll counted the bytes already, or will fail the waiters
        }
        try {
            segment.force();
            return true;
        } catch (IOException e) {
            failed(new WriteAheadLogException("cannot force " + segment.path() + " to disk: " + e, e));
            return false;
        }
    }

    /**
     * Fails the log for good and, under {@code always}, cuts what was written after the last good force off the
     * segment: the appenders of those bytes are told their appends failed (the unforced ones among them are lost,
     * as a crash of the machine loses them), and an append that threw must never come back at the next opening.
     */
    void failed(WriteAheadLogException failure) {
        health.fail(failure);
        segment.discardUnforced(groupCommit.forcedTotal());
    }

    /**
     * Forces the segment before the next one starts, unless the policy never forces. A failed force fails the log:
     * after it the file's state is unknown.
     */
    void forceBeforeRoll() throws WriteAheadLogException {
        if (options.sync() != SyncPolicy.NEVER) {
            try {
                segment.force();
            } catch (IOException e) {
                WriteAheadLogException failure = new WriteAheadLogException("cannot force " + segment.path()
                        + " to disk before starting the next segment: " + e, e);
                failed(failure);
                throw failure;
            }
            groupCommit.markForced(written.writtenTotal(), written.lastSequence());
            groupCommit.wakeWaiters();
        }
    }

    /**
     * Writes out what is buffered and forces it unless the policy never forces; done on an interrupted thread too.
     *
     * @return the error that kept appends from being forced (this force's, or the failure that stopped the log
     *         earlier, after which its last acknowledged appends may be lost), or null
     */
    WriteAheadLogException forceOnClose() {
        WriteAheadLogException error = null;
        try {
            segment.flush();
            WriteAheadLogException failure = health.failure();
            if (failure != null) {
                error = new WriteAheadLogException("write-ahead log in " + directory + " failed before it was closed; what it"
                        + " acknowledged since its last force may be lost: " + failure.getMessage(), failure);
            } else if (options.sync() != SyncPolicy.NEVER) {
                segment.force();
                groupCommit.markForced(written.writtenTotal(), written.lastSequence());
            } else {
                groupCommit.handedToOs(written.lastSequence());
            }
        } catch (IOException e) {
            error = new WriteAheadLogException("cannot force " + segment.path() + " on close: " + e, e);
            health.fail(error);
            segment.discardUnforced(groupCommit.forcedTotal()); // their appenders are told the appends failed
        }
        return error;
    }
}
