package streamline.example.checksum;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.ConfigKey;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.api.processor.StepUnavailableException;

/**
 * Processor {@code VerifyChecksum}: checks the session's content against a checksum file that the sender
 * delivers next to it, often after it: {@code <name>.sha256} (the lower-cased algorithm without dashes) in
 * {@code directory}, holding the digest in hex as its first word (the format of {@code sha256sum}). It passes
 * the content on unchanged and puts {@code VerifyChecksum.Verified=true} into the metadata.
 *
 * <p>It shows the difference between "not now" and "failed": a checksum file that has not arrived yet is the
 * world not being ready, so the step throws {@link StepUnavailableException} and its session waits (spending no
 * retry) until the file is there, or until the processor's {@code streamline.maxWaitSeconds}; a checksum that
 * does not match, or a file that holds no digest, is the input at fault and fails the step.
 *
 * <p>Configuration: {@code directory} (where checksum files arrive, relative to the framework property
 * {@code streamline.home}, and inside it; made if missing), {@code name} (the data file's name, usually
 * {@code ${ReadDir.Name}}), {@code algorithm} (default {@code SHA-256}).
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=VerifyChecksum")
@ProcessorConfig(description = "Checks the content against a checksum file delivered next to it; waits for a file not there yet.",
        keys = {
                @ConfigKey(name = "directory", required = true,
                        description = "Where checksum files arrive, relative to streamline.home and inside it."),
                @ConfigKey(name = "name", required = true, description = "The data file's name (expression), usually ${ReadDir.Name}."),
                @ConfigKey(name = "algorithm", defaultValue = "SHA-256", description = "Any MessageDigest algorithm.") })
public class VerifyChecksum implements Processor {

    private final Path home;
    private Path directory;
    private String algorithm;
    private String extension;

    @Activate
    public VerifyChecksum(BundleContext context) {
        this(Path.of(context.getProperty("streamline.home") == null ? "." : context.getProperty("streamline.home")));
    }

    /** Outside a framework (tests): {@code directory} is relative to {@code home}. */
    public VerifyChecksum(Path home) {
        this.home = home.toAbsolutePath().normalize();
    }

    @Override
    public void init(ProcessorContext context) throws NoSuchAlgorithmException, IOException {
        algorithm = context.config("algorithm", String.class).trim(); // declared with its default
        MessageDigest.getInstance(algorithm);
        extension = "." + algorithm.toLowerCase(Locale.ROOT).replace("-", "");
        String folder = context.config("directory").trim();
        directory = home.resolve(folder).normalize();
        if (!directory.startsWith(home)) {
            throw new IllegalArgumentException("directory '" + folder + "' is outside the home " + home);
        }
        Files.createDirectories(directory); // where the sender delivers
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        String name = step.config("name").trim();
        Path checksumFile = directory.resolve(name + extension).normalize();
        if (name.isEmpty() || !directory.equals(checksumFile.getParent())) {
            throw new IllegalArgumentException("name '" + name + "' does not name a file in " + directory);
        }
        String expected;
        try {
            expected = Files.readString(checksumFile, StandardCharsets.US_ASCII).strip().split("\\s+", 2)[0];
        } catch (NoSuchFileException e) {
            // the sender has not delivered it yet: not now, the session waits for it
            throw new StepUnavailableException("checksum file " + checksumFile + " has not arrived yet", e);
        } catch (IOException e) {
            throw new IOException("cannot read checksum file " + checksumFile + ": " + e, e);
        }
        if (expected.isEmpty()) {
            throw new IllegalArgumentException("checksum file " + checksumFile + " holds no digest");
        }
        MessageDigest digest = MessageDigest.getInstance(algorithm);
        try (InputStream content = step.readContent()) {
            byte[] buffer = new byte[64 * 1024];
            for (int read; (read = content.read(buffer)) > 0;) {
                digest.update(buffer, 0, read);
            }
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equalsIgnoreCase(expected)) {
            throw new IllegalArgumentException(name + ": " + algorithm + " is " + actual + ", but " + checksumFile + " says " + expected);
        }
        return input.with("VerifyChecksum.Verified", true);
    }
}
