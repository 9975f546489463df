package streamline.example.checksum;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.ConfigKey;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;

/**
 * Processor {@code Checksum}: puts a digest of the session's content into the metadata key
 * {@code Checksum.<algorithm>} (for example {@code Checksum.SHA-256}) as hex, and passes the
 * content on unchanged.
 *
 * <p>Configuration: {@code algorithm} (any {@link MessageDigest} algorithm, default {@code SHA-256}).
 * A flow with an unknown algorithm does not activate: {@link #init} refuses it.
 *
 * <p>What makes it a plug-in: a DS component, prototype-scoped (one instance per processor of a flow),
 * registered as {@link Processor} with the property {@code streamline.processor.type=Checksum}; its keys are
 * declared with {@link ProcessorConfig}, so a flow is checked against them before it is saved.
 */
@ProcessorConfig(description = "Puts a digest of the content into the metadata key Checksum.<algorithm>.", keys = {
        @ConfigKey(name = "algorithm", defaultValue = "SHA-256", description = "Any MessageDigest algorithm, such as SHA-256 or MD5.") })
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=Checksum")
public class Checksum implements Processor {

    private String algorithm;

    @Override
    public void init(ProcessorContext context) throws NoSuchAlgorithmException {
        algorithm = context.config("algorithm", String.class).trim(); // declared with its default
        MessageDigest.getInstance(algorithm); // refuse an unknown algorithm now, not on the first session
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        MessageDigest digest = MessageDigest.getInstance(algorithm);
        try (InputStream content = step.readContent()) {
            byte[] buffer = new byte[64 * 1024];
            for (int read; (read = content.read(buffer)) > 0;) {
                digest.update(buffer, 0, read);
            }
        }
        step.logger().log(System.Logger.Level.DEBUG, "digest computed with " + algorithm);
        return input.with("Checksum." + algorithm, HexFormat.of().formatHex(digest.digest()));
    }
}
