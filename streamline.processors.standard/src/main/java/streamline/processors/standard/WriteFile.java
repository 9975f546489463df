package streamline.processors.standard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.StepContext;

/**
 * Processor {@code WriteFile}: writes the session's content to a file.
 *
 * <p>Configuration: {@code path} (expression, for example {@code outbox/${ReadDir.Name}}; relative to
 * the home), {@code overwrite} ({@code true}/{@code false}, default false).
 * Metadata it sets: {@code WriteFile.OutputPath} (absolute path).
 *
 * <p>The content goes to a temporary file in the target folder, is forced to disk, and is renamed
 * to its name, so a crash never leaves a half file under the final name. An existing file is
 * replaced only with {@code overwrite=true}; otherwise the step fails, unless the file already holds
 * exactly this content (the same step ran before a crash or a retry), which counts as done.
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=WriteFile",
        configurationPid = "streamline.processors.files")
@Designate(ocd = FilesConfig.class)
public class WriteFile implements Processor {

    private final FileRoots roots;

    @Activate
    public WriteFile(BundleContext context, FilesConfig config) {
        this(new FileRoots(Paths.home(context), List.of(config.roots())));
    }

    /** Outside a framework (tests): relative paths resolve against {@code home}, the default roots apply. */
    public WriteFile(Path home) {
        this(FileRoots.defaults(home));
    }

    WriteFile(FileRoots roots) {
        this.roots = roots;
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        Path target = roots.forWriting(step.config("path"));
        boolean overwrite = Boolean.parseBoolean(step.optionalConfig("overwrite").orElse("false").trim());
        Path folder = target.getParent();
        Files.createDirectories(folder);
        // one temporary file per session and target: two sessions writing the same target never share one, and
        // the same step repeated after a crash replaces what the crash left. It is created exclusively and never
        // through a link: whatever stands at its name (a link planted there) is removed, not followed.
        Path temp = folder.resolve("." + target.getFileName() + "." + step.sessionId() + ".streamline-tmp");
        Files.deleteIfExists(temp);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
                    InputStream content = step.readContent()) {
                content.transferTo(Channels.newOutputStream(channel));
                channel.force(false); // the data and the size a read needs
            }
            if (Files.exists(target) && !overwrite) {
                if (Files.mismatch(temp, target) == -1) {
                    step.logger().log(System.Logger.Level.INFO, target + " already holds this content (a repeated step)");
                    step.forceFolderBeforeCompletion(folder); // the earlier run may have stopped before its force
                    return input.with("WriteFile.OutputPath", target.toString());
                }
                throw new FileAlreadyExistsException(target.toString(), null,
                        "WriteFile: the file exists with other content and overwrite is false");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // the rename too survives a crash before the step counts as done; the engine shares the folder's force
            // among the steps completing together
            step.forceFolderBeforeCompletion(folder);
        } finally {
            Files.deleteIfExists(temp);
        }
        return input.with("WriteFile.OutputPath", target.toString());
    }
}
