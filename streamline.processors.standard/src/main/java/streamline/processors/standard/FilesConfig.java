package streamline.processors.standard;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The operator's settings for the file processors, PID {@code streamline.processors.files}. */
@ObjectClassDefinition(id = "streamline.processors.files.config", name = "Streamline file processors",
        description = "The folders ReadDir, ReadFile and WriteFile may use. The home's deploy, flows, data and logs folders never are, whatever is listed.")
public @interface FilesConfig {

    @AttributeDefinition(description = "Folders the file processors may read and write, relative to the home or absolute; compared after resolving links.")
    String[] roots() default { "inbox", "outbox", "files" };
}
