package streamline.processors.standard;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The operator's settings for {@code UploadHTTP}, PID {@code streamline.processors.uploadhttp}. */
@ObjectClassDefinition(id = "streamline.processors.uploadhttp.config", name = "Streamline UploadHTTP",
        description = "Timeouts and response limits of the UploadHTTP processor.")
public @interface UploadHttpConfig {

    @AttributeDefinition(description = "Longest wait for a connection to the server, in seconds.", min = "1")
    int connect_timeout_seconds() default 10;

    @AttributeDefinition(description = "Longest time without progress once connected, in seconds: no byte of the request"
            + " taken by the server, no response yet, or no byte of the response body.", min = "1")
    int read_timeout_seconds() default 60;

    @AttributeDefinition(description = "A response body larger than this many bytes fails the step.", min = "0")
    long response_limit_bytes() default 16L * 1024 * 1024;

    @AttributeDefinition(description = "With write_response_to_metadata, a response body larger than this many bytes"
            + " fails the step (metadata travels with every later step of the session).", min = "0")
    int metadata_limit_bytes() default 65536;
}
