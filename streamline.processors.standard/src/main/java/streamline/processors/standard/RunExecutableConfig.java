package streamline.processors.standard;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The operator's settings for {@code RunExecutable}, PID {@code streamline.processors.runexecutable}. */
@ObjectClassDefinition(id = "streamline.processors.runexecutable.config", name = "Streamline RunExecutable",
        description = "Which executables flows may run. Nothing is allowed until the operator lists it here.")
public @interface RunExecutableConfig {

    @AttributeDefinition(description = "Absolute paths of the executables flows may run. A flow names one exactly as listed here (another link to the same file is refused, as multi-call binaries act on the name they run as), and it must still resolve to the file it did when read.")
    String[] allowed() default {};

    @AttributeDefinition(description = "Names of the engine's environment variables a program gets, besides PATH; no other reaches it.")
    String[] environment() default {};

    @AttributeDefinition(description = "At most this many bytes of standard output and of standard error are kept in metadata.", min = "0")
    int output_limit_bytes() default 65536;
}
