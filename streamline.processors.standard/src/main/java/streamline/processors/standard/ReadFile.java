package streamline.processors.standard;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepContext;

/**
 * Processor {@code ReadFile}: makes a file the session's content.
 *
 * <p>Configuration: {@code path} (expression; relative to the home).
 * Metadata it sets: {@code ReadFile.Path} (absolute path), {@code ReadFile.Size} (bytes).
 * Fails when the file is missing or unreadable; the file is not changed.
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=ReadFile")
public class ReadFile implements Processor {

    private final Path home;

    @Activate
    public ReadFile(BundleContext context) {
        this.home = Paths.home(context);
    }

    public ReadFile(Path home) {
        this.home = home;
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        Path file = Paths.resolve(home, step.config("path"));
        long size;
        try (InputStream in = Files.newInputStream(file); OutputStream out = step.writeContent()) {
            size = in.transferTo(out);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "ReadFile: no such file");
        }
        return input.with("ReadFile.Path", file.toString()).with("ReadFile.Size", size);
    }
}
