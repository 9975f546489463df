package streamline.wal.file;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = "streamline.wal.file", name = "Streamline file write-ahead log",
        description = "A crash-safe write-ahead log in checksummed segment files.")
@interface FileWalConfig {

    @AttributeDefinition(name = "Directory",
            description = "Where the log's files live. A relative path is resolved against the Streamline home"
                    + " (framework or system property streamline.home), else against the working directory.")
    String directory() default "data/wal";

    @AttributeDefinition(name = "Sync policy",
            description = "always: an append returns once it is forced to disk (concurrent appends share forces);"
                    + " interval: forced every sync.interval.ms; never: left to the operating system.",
            options = {@Option(label = "always", value = "always"), @Option(label = "interval", value = "interval"),
                    @Option(label = "never", value = "never")})
    String sync() default "always";

    @AttributeDefinition(name = "Sync interval (ms)", description = "How often appends are forced to disk (sync=interval) or handed"
            + " to the operating system (sync=never); at least 1 under those policies.", min = "1")
    long sync_interval_ms() default 100;

    @AttributeDefinition(name = "Segment size (bytes)", description = "A new segment file starts once the current one reaches this size.", min = "4096")
    long segment_bytes() default 64L * 1024 * 1024;

    @AttributeDefinition(name = "Checkpoint after (bytes)",
            description = "A checkpoint (snapshot of the live records, old segments deleted) runs once this much was"
                    + " appended since the last one; 0 turns size-triggered checkpoints off.", min = "0")
    long checkpoint_bytes() default 256L * 1024 * 1024;

    @AttributeDefinition(name = "Checkpoint interval (s)",
            description = "A checkpoint also runs this often if anything was appended; 0 turns timed checkpoints off.", min = "0")
    long checkpoint_interval_seconds() default 60;

    @AttributeDefinition(name = "Service ranking", description = "Without a target filter, consumers take the highest-ranked write-ahead log.")
    int service_ranking() default 20;

    @AttributeDefinition(name = "Type", description = "The streamline.wal.type service property, for consumers' target filters.")
    String streamline_wal_type() default "file";
}
