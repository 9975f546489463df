package streamline.processors.standard;

import java.time.Duration;

/**
 * The operator's limits for {@code UploadHTTP}, framework-free.
 *
 * @param connectTimeout longest wait for a connection
 * @param readTimeout longest time without progress once connected (request taken, response awaited or read)
 * @param responseLimit most bytes of a response body
 * @param metadataLimit most bytes of a response body written to metadata
 */
public record UploadSettings(Duration connectTimeout, Duration readTimeout, long responseLimit, int metadataLimit) {

    public UploadSettings {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("UploadHTTP timeouts must be positive, were " + connectTimeout + " and "
                    + readTimeout);
        }
        if (responseLimit < 0 || metadataLimit < 0) {
            throw new IllegalArgumentException("UploadHTTP limits must not be negative, were " + responseLimit + " and "
                    + metadataLimit);
        }
    }

    static UploadSettings of(UploadHttpConfig config) {
        return new UploadSettings(Duration.ofSeconds(config.connect_timeout_seconds()),
                Duration.ofSeconds(config.read_timeout_seconds()), config.response_limit_bytes(), config.metadata_limit_bytes());
    }

    /** The defaults of {@link UploadHttpConfig}. */
    public static UploadSettings defaults() {
        return new UploadSettings(Duration.ofSeconds(10), Duration.ofSeconds(60), 16L * 1024 * 1024, 65536);
    }
}
