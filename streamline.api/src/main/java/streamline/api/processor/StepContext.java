package streamline.api.processor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The context of one step: one run of a processor in one session. Valid only during
 * {@link Processor#process}; implemented by the engine.
 *
 * <p>Content is copy-on-write: {@link #readContent()} always reads the step's input, and
 * {@link #writeContent()} writes new content that becomes the step's output once the step
 * succeeds. A step that writes nothing passes its input content on. A failed or retried step
 * leaves its input intact.
 */
@ProviderType
public interface StepContext extends ProcessorContext {

    UUID sessionId();

    /** 0 on the first run of this step, then 1, 2, … on retries (also across restarts). */
    int attempt();

    /** Whether the step has input content. */
    boolean hasContent();

    /** Opens the step's input content; an empty stream if there is none. The caller closes it. */
    InputStream readContent() throws IOException;

    /**
     * Opens new output content, replacing whatever an earlier call of this step wrote. The caller
     * closes it; the content counts only once closed.
     */
    OutputStream writeContent() throws IOException;

    /**
     * Makes what the step changed in {@code folder} (names created, renamed or removed) durable before the
     * step counts as done: the engine forces the folder before it logs the step's completion, and steps
     * completing together share one force of a folder, where forcing it in each step would cost a force
     * each. The step's own files are the step's to force (their data is not the folder's). A step that needs
     * the folder forced before it returns forces it itself.
     *
     * <p>This default forces the folder at once. An engine that defers the force and then fails to force
     * fails the step's session with the reason (its trigger keeps its source), as it cannot run the step again.
     *
     * @throws IOException if the folder could not be forced at once
     * @since 1.2
     */
    default void forceFolderBeforeCompletion(Path folder) throws IOException {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
