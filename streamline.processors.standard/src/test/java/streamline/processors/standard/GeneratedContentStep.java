package streamline.processors.standard;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import streamline.api.processor.StepContext;
import streamline.api.state.StateManager;

/** A step whose content is generated on every read, optionally failing at an offset; expressions are taken literally. */
class GeneratedContentStep implements StepContext {
    private final Map<String, Object> config;
    private final long size;
    private final long failAt;

    /** @param failAt the offset at which reading the content fails with an I/O error, or -1 */
    GeneratedContentStep(Map<String, Object> config, long size, long failAt) {
        this.config = config;
        this.size = size;
        this.failAt = failAt;
    }

    @Override
    public UUID flowId() {
        return new UUID(0, 1);
    }

    @Override
    public String flowName() {
        return "large";
    }

    @Override
    public UUID processorId() {
        return new UUID(0, 2);
    }

    @Override
    public String processorName() {
        return "upload";
    }

    @Override
    public String processorType() {
        return "UploadHTTP";
    }

    @Override
    public Map<String, Object> rawConfiguration() {
        return config;
    }

    @Override
    public String config(String key) {
        return optionalConfig(key).orElseThrow();
    }

    @Override
    public Optional<String> optionalConfig(String key) {
        return Optional.ofNullable(config.get(key)).map(String::valueOf);
    }

    @Override
    public String evaluate(String key, String text) {
        return text;
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("large");
    }

    @Override
    public StateManager state() {
        throw new UnsupportedOperationException();
    }

    @Override
    public UUID sessionId() {
        return new UUID(0, 3);
    }

    @Override
    public int attempt() {
        return 0;
    }

    @Override
    public boolean hasContent() {
        return true;
    }

    @Override
    public InputStream readContent() {
        InputStream content = new LargeUploadChild.GeneratedContent(size);
        if (failAt < 0) {
            return content;
        }
        return new FilterInputStream(content) {
            private long position;

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (position + length > failAt) {
                    throw new IOException("bad sector at " + failAt);
                }
                int n = super.read(buffer, offset, length);
                position += Math.max(n, 0);
                return n;
            }
        };
    }

    @Override
    public OutputStream writeContent() {
        throw new UnsupportedOperationException("the response is not the content here");
    }
}
