package streamline.torture;

/**
 * What a schedule may contain. A run enables a set of them; {@link PendingFixes} lists those that still find an
 * open bug, so that the build's fixed seeds stay green until the fix is merged.
 */
enum Feature {
    /** Items without content and items with small content: always on. */
    BASIC_ITEMS,
    /** Items whose content is empty (zero bytes), several in one batch. */
    EMPTY_CONTENT,
    /** Items with content of a few hundred kilobytes. */
    LARGE_CONTENT,
    /** A batch naming the same mark twice. */
    REPEATED_MARKS,
    /** A step that throws on some attempts (retried). */
    STEP_THROWS,
    /** A step that throws an {@code Error} ({@code AssertionError}, {@code StackOverflowError}) on some attempts. */
    STEP_ERRORS,
    /** A step that hangs past the step timeout on some attempt (interrupted by the engine's watchdog). */
    STEP_HANGS,
    /**
     * A step that says "not now" ({@code StepUnavailableException}) the first one to three times it runs on some attempt
     * (the session waits, no retry spent), or, for processor A, on every run, so that A's wait limit fails the session.
     */
    STEP_NOT_NOW,
    /** A step that ignores the engine's interrupt and runs past the step timeout on some attempt, then returns. */
    STEP_STALLS,
    /** Items whose session fails for good (a step that throws on every attempt). */
    DOOMED_ITEMS,
    /** A trigger's {@code sessionEnded} throws an {@code Error} the first time it is told of some items. */
    END_ERRORS,
    /** A session listener throws an {@code Error} for some sessions. */
    LISTENER_ERRORS,
    /** Flows saved in a changed version (same graph, changed configuration), deactivated and activated again while running. */
    FLOW_CHANGES,
    /** Flows saved with another graph (processors added, removed or reordered) while sessions run. */
    FLOW_GRAPH_CHANGES,
    /** A flow changed or deactivated while one of its trigger's calls is in progress. */
    FLOW_CHANGE_DURING_CALL,
    /** The file log forced every {@code sync.interval.ms} instead of at every append, in a third of the seeds (none with power losses). */
    INTERVAL_SYNC,
    /** Clean restarts of the engine (stop, then a new engine on the same folders). */
    RESTARTS,
    /** A log write failing with {@code EIO}, or part-written then {@code ENOSPC}. */
    WRITE_FAULTS,
    /** A failed {@code fsync} of the log (the log then refuses appends until reopened: a restart follows). */
    FORCE_FAULTS,
    /** An interrupt arriving during a log write (the JDK closes the channel after the write). */
    INTERRUPT_AT_WRITE,
    /** A process crash: the engine abandoned without stop, a new one on a copy of its folders. */
    CRASHES,
    /** A power loss: as a crash, the copy keeping only the bytes the log forced. */
    POWER_LOSS,
    /** A processor type's provider removed and returned while sessions run. */
    PROVIDER_CHURN,
    /** The JPA write-ahead log on (in-memory) Derby beside the file log: the engine starts on it in half the seeds. */
    JPA_LOG,
    /**
     * The engine moved between the file and the JPA log (with {@link #JPA_LOG}): swapped while running, the log in use
     * going away and the same one coming back, a restart or a crash onto the other log (carried over at start), a swap
     * right after a start.
     */
    LOG_SWITCHES,
    /** With {@link #LOG_SWITCHES}: the log in use goes away while running and the other one comes and takes its sessions. */
    LOG_AWAY,
    /** The JPA flow store on Derby beside the memory one: the engine starts on it in half the seeds. */
    JPA_FLOW_STORE,
    /** The engine moved between the memory and the JPA flow store (with {@link #JPA_FLOW_STORE}) while running or at a restart. */
    FLOW_STORE_SWITCHES,
    /** Flows saved as files of a flow folder (the real {@code FlowFolder}, scanned into the store in use), changed and broken. */
    FLOW_FOLDER,
    /** One flow's trigger runs on a cron schedule with a seconds field (the engine's real cron ticks), in half the seeds. */
    CRON_TRIGGER,
    /**
     * A flow saved in a version whose processor A refuses its configuration at initialisation (in a quarter of the
     * changes): the engine keeps the running version, if any, and tries the refused one again when processor services
     * change; the next good version runs.
     */
    REFUSED_VERSIONS,
    /** Not a kind of operation but a check: every log line naming a session in its context names no other in its text. */
    SESSION_LOG_CHECK
}
