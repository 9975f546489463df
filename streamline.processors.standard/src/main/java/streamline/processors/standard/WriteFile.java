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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.StepContext;

/**
 * Processor {@code WriteFile}: writes the session's content to a file.
 *
 * <p>Configuration: {@code path} (expression, for example {@code outbox/${ReadDir.Name}}; relative to
 * the home; the Go project's {@code output} is read as it), {@code overwrite} ({@code true}/{@code false}; default
 * false with {@code path}, true with {@code output}, as the Go project replaces an existing file). Missing parent
 * folders are created, and forced with the file (a power loss never keeps the input processed and loses the output).
 * Metadata it sets: {@code WriteFile.OutputPath} (absolute path, in the readable form of {@link FileNames#readable}).
 *
 * <p>The content goes to a temporary file in the target folder (a short name, {@link NoReplace#temporaryName}), is
 * forced to disk, and gets its name, so a crash never leaves a half file under the final name. An existing file is
 * replaced only with {@code overwrite=true}; otherwise the name is given by a hard link, which fails if the name
 * exists even when another session takes it at the same moment, and the step fails, unless the file holds exactly
 * this content (the same step ran before a crash or a retry), which counts as done. A path's characters the JVM's
 * encoding cannot write (under a C locale, any non-ASCII one) are written in UTF-8.
 */
@ProcessorConfig(description = "Writes the session's content to a file.", keys = {
        @ConfigKey(name = "path", alias = "output", required = true,
                description = "The file (expression), relative to the home; missing folders are created."),
        @ConfigKey(name = "overwrite", type = ConfigType.BOOLEAN,
                description = "Replace an existing file; default false with path, true with output (as the Go project).") })
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

    /**
     * One temporary file per session and target: two sessions writing the same target never share one, and the same
     * step repeated after a crash replaces what the crash left.
     */
    static Path temporaryFile(Path target, UUID sessionId) {
        return target.getParent().resolve(NoReplace.temporaryName(sessionId + "/" + FileNames.mark(target)));
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        try {
            return write(input, step);
        } catch (IOException e) {
            throw FilesNotReady.classify(e, "WriteFile"); // a full disk or a missing mount waits; anything else fails
        }
    }

    private FlowObject write(FlowObject input, StepContext step) throws Exception {
        boolean goKeys = step.rawConfiguration().get("output") != null;
        Path target = roots.forWriting(step.config("path")); // or its declared alias output
        boolean overwrite = step.optionalConfig("overwrite", Boolean.class).orElse(goKeys);
        Path folder = target.getParent();
        List<Path> grown = new ArrayList<>(); // the folders that get a new subfolder: forced too
        for (Path missing = folder; missing.getParent() != null && !Files.isDirectory(missing); missing = missing.getParent()) {
            grown.add(missing.getParent());
        }
        Files.createDirectories(folder);
        // created exclusively and never through a link: whatever stands at its name (a link planted there) is removed,
        // not followed
        Path temp = temporaryFile(target, step.sessionId());
        Files.deleteIfExists(temp);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
                    InputStream content = step.readContent()) {
                content.transferTo(Channels.newOutputStream(channel));
                channel.force(false); // the data and the size a read needs
            }
            if (overwrite) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                publishWithoutReplacing(temp, target, step);
            }
            // the new name too survives a crash before the step counts as done; the engine shares the folder's force
            // among the steps completing together (also for a repeated step: the earlier run may have stopped before it)
            step.forceFolderBeforeCompletion(folder);
            for (Path parent : grown) {
                step.forceFolderBeforeCompletion(parent); // the folders the file is in survive with it
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return input.with("WriteFile.OutputPath", FileNames.readable(target));
    }

    private static void publishWithoutReplacing(Path temp, Path target, StepContext step) throws IOException {
        try {
            if (NoReplace.link(temp, target)) {
                return;
            }
            // a file system without hard links: checked, then renamed (Files.move refuses an existing target), which a
            // writer of the same name at the same moment may race
            step.logger().log(System.Logger.Level.WARNING, "the file system of " + FileNames.readable(target.getParent())
                    + " has no hard links: overwrite=false is checked before the rename, not by it");
            Files.move(temp, target);
        } catch (FileAlreadyExistsException e) {
            if (Files.mismatch(temp, target) == -1) {
                step.logger().log(System.Logger.Level.INFO, FileNames.readable(target) + " already holds this content (a repeated step)");
                return;
            }
            throw new FileAlreadyExistsException(FileNames.readable(target), null,
                    "WriteFile: the file exists with other content and overwrite is false");
        }
    }
}
