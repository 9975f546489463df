package streamline.flow.files;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the flow file loader, PID {@code streamline.flow.files}. */
@ObjectClassDefinition(id = "streamline.flow.files.config", name = "Streamline flow files",
        description = "Loads flow definitions (the Go project's JSON format) from a folder into the flow store, and again whenever a file changes.")
public @interface FlowFilesConfig {

    @AttributeDefinition(description = "The folder of *.json flow files; a relative path is resolved against the framework property streamline.home.")
    String directory() default "flows";

    @AttributeDefinition(description = "How often the folder is checked for new, changed and removed files, in milliseconds.", min = "50", max = "3600000")
    long poll_interval_ms() default 1000;

    @AttributeDefinition(description = "Largest flow file read, in bytes; a larger file is refused without being read.", min = "1")
    long max_file_bytes() default 16L * 1024 * 1024;

    @AttributeDefinition(description = "Filter selecting the flow store the flows are saved into; the highest service.ranking among matches wins."
            + " Empty (the default): the engine's flowManager.target (PID streamline.runtime) applies, so the files feed the store the engine uses.",
            required = false)
    String flowManager_target() default "";
}
