package streamline.runtime.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** The engine's configuration, PID {@code streamline.runtime}. */
@ObjectClassDefinition(id = "streamline.runtime.config", name = "Streamline runtime",
        description = "The engine: worker pool, flow polling, back-pressure, timeouts, and which write-ahead log and flow store it uses.")
public @interface RuntimeConfig {

    @AttributeDefinition(description = "The engine's work directory: content of sessions in progress, failed sessions, processor state. "
            + "A relative path is resolved against the framework property streamline.home (or the working directory).")
    String work_directory() default "data/runtime";

    @AttributeDefinition(description = "Worker threads that run steps.", min = "1", max = "1024")
    int workers() default 8;

    @AttributeDefinition(description = "How often the engine asks its flow store for flows updated since its last look, in milliseconds.", min = "10", max = "3600000")
    long poll_interval_ms() default 1000;

    @AttributeDefinition(description = "Back-pressure: a flow's triggers are not asked for items while the flow has this many sessions in progress.", min = "1", max = "10000000")
    int max_sessions_per_flow() default 1000;

    @AttributeDefinition(description = "A step running longer than this is interrupted and counted as failed, in seconds.", min = "1", max = "604800")
    long step_timeout_seconds() default 300;

    @AttributeDefinition(description = "A trigger call running longer than this is interrupted and counted as failed, in seconds.", min = "1", max = "86400")
    long trigger_timeout_seconds() default 60;

    @AttributeDefinition(description = "A failing trigger is backed off exponentially from 1 s up to this many seconds.", min = "1", max = "86400")
    long trigger_backoff_max_seconds() default 60;

    @AttributeDefinition(description = "Pause between calls of an event trigger that returned nothing, in milliseconds; it doubles while the"
            + " trigger stays idle, up to 950 ms (or this pause, if longer), and no thread waits through it.", min = "0", max = "3600000")
    long event_idle_ms() default 200;

    @AttributeDefinition(description = "Retry backoff of processors that do not choose their own (configuration key streamline.backoff).",
            options = { @Option(value = "fixed", label = "fixed: backoffSeconds before every retry"),
                    @Option(value = "exponential", label = "exponential: backoffSeconds doubled on each retry, up to the cap") })
    String retry_backoff() default "fixed";

    @AttributeDefinition(description = "Cap of the exponential retry backoff, in seconds.", min = "1", max = "604800")
    long retry_backoff_cap_seconds() default 300;

    @AttributeDefinition(description = "A step that says its world is not ready (a full disk, an unreachable server) waits, spending no retry,"
            + " and runs again after a pause that doubles from 1 s up to this many seconds.", min = "1", max = "86400")
    long wait_backoff_max_seconds() default 60;

    @AttributeDefinition(description = "The environment variables expressions may read with env(name): names, or prefixes ending in *"
            + " (STREAMLINE_*). None by default: what an expression reads lands in metadata, the log and failed-session files.")
    String[] expressions_env() default {};

    @AttributeDefinition(description = "When the engine stops, running steps get this long to finish, in seconds; "
            + "then they are interrupted and run again after the next start (an interrupted step is not a failure).", min = "0", max = "3600")
    long stop_grace_seconds() default 10;

    @AttributeDefinition(description = "Filter selecting the write-ahead log; the highest service.ranking among matches wins.")
    String wal_target() default "(streamline.wal.type=*)";

    @AttributeDefinition(description = "Filter selecting the flow store; the highest service.ranking among matches wins.")
    String flowManager_target() default "(streamline.flow.type=*)";

    @AttributeDefinition(description = "Names (streamline.wal.type or streamline.flow.type) of write-ahead logs and flow stores that are gone for good."
            + " The engine records which log and store it used last; started on others, it first carries over what they hold, and waits"
            + " while one of them is not present, unless it is named here.")
    String[] abandon() default {};
}
