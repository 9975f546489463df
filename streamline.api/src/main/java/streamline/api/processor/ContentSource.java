package streamline.api.processor;

import java.io.IOException;
import java.io.InputStream;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where the content of a new session comes from. The engine opens it once, copies it into its
 * content store before the session's first step is logged, and closes the stream.
 */
@ConsumerType
@FunctionalInterface
public interface ContentSource {

    /** Opens the content; the caller closes the stream. */
    InputStream open() throws IOException;
}
