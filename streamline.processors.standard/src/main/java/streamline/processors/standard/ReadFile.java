package streamline.processors.standard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.StepContext;

/**
 * Processor {@code ReadFile}: makes a file the session's content.
 *
 * <p>Configuration: {@code path} (expression; relative to the home; inside the roots of {@link FileRoots}; the Go
 * project's {@code input} is read as it), {@code remove_source} ({@code true}/{@code false}, default false, the Go
 * key: delete the file once its content is copied and forced).
 * Metadata it sets: {@code ReadFile.Path} and, the Go name, {@code ReadFile.Source} (absolute path),
 * {@code ReadFile.Size} (bytes). Fails when the file is missing or unreadable; without {@code remove_source} the file
 * is not changed.
 *
 * <p>With {@code remove_source}, the deletion is forced before the step counts as done, so a processed file never
 * comes back; but it happens before the engine logs the step's completion: a crash in between leaves the step to run
 * again with its source gone, and it then fails naming the file. Flows that cannot lose a file that way read it with
 * {@code ReadDir}, which deletes only once the session ended.
 */
@ProcessorConfig(description = "Makes a file the session's content.", keys = {
        @ConfigKey(name = "path", alias = "input", required = true,
                description = "The file (expression), relative to the home, inside the roots of streamline.processors.files."),
        @ConfigKey(name = "remove_source", type = ConfigType.BOOLEAN, defaultValue = "false",
                description = "Delete the file once its content is copied and forced.") })
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ReadFile",
        configurationPid = "streamline.processors.files")
public class ReadFile implements Processor {

    private final FileRoots roots;

    @Activate
    public ReadFile(BundleContext context, FilesConfig config) {
        this(new FileRoots(Paths.home(context), List.of(config.roots())));
    }

    /** Outside a framework (tests): relative paths resolve against {@code home}, the default roots apply. */
    public ReadFile(Path home) {
        this(FileRoots.defaults(home));
    }

    ReadFile(FileRoots roots) {
        this.roots = roots;
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        try {
            return read(input, step);
        } catch (IOException e) {
            throw FilesNotReady.classify(e, "ReadFile"); // a full disk or a missing mount waits; anything else fails
        }
    }

    private FlowObject read(FlowObject input, StepContext step) throws Exception {
        Path file;
        try {
            file = roots.forReading(step.config("path")); // or its declared alias input
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(e.getFile(), null, "ReadFile: no such file");
        }
        long size;
        try (InputStream in = Files.newInputStream(file); OutputStream out = step.writeContent()) {
            size = in.transferTo(out);
        }
        if (step.config("remove_source", Boolean.class)) {
            Files.delete(file); // the content is forced by now: closing the step's content forces it
            step.forceFolderBeforeCompletion(file.getParent());
        }
        return input.with("ReadFile.Path", file.toString()).with("ReadFile.Source", file.toString()).with("ReadFile.Size", size);
    }
}
