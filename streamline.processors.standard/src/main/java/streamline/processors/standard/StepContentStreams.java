package streamline.processors.standard;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import streamline.api.processor.StepContext;

/**
 * Opens a step's content for a request body, as often as the HTTP client asks, and closes every stream it
 * opened once the exchange is over (the client does not close a stream it stops reading). A failure to read the
 * content is kept, so the step can name it rather than blame the server.
 */
final class StepContentStreams implements AutoCloseable {

    private final StepContext step;
    private final List<InputStream> opened = new ArrayList<>();
    private volatile IOException readFailure;

    StepContentStreams(StepContext step) {
        this.step = step;
    }

    /** The content's length, counted by reading it once (it is never held whole). */
    long length() throws IOException {
        try (InputStream in = step.readContent()) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }

    /** Opens the content, seen through {@code view} (e.g. Base64), for the HTTP client's thread. */
    InputStream open(UnaryOperator<InputStream> view) {
        InputStream stream;
        try {
            stream = view.apply(new FailureNoting(step.readContent()));
        } catch (IOException e) {
            readFailure = e;
            throw new UncheckedIOException("cannot read the session's content: " + e.getMessage(), e);
        }
        synchronized (opened) {
            opened.add(stream);
        }
        return stream;
    }

    /** The first failure reading the content, or null. */
    IOException readFailure() {
        return readFailure;
    }

    @Override
    public void close() {
        synchronized (opened) {
            for (InputStream stream : opened) {
                try {
                    stream.close();
                } catch (IOException e) {
                    // read to its end or abandoned: nothing of it is needed any more
                }
            }
            opened.clear();
        }
    }

    private final class FailureNoting extends FilterInputStream {
        FailureNoting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                readFailure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                return super.read(buffer, offset, length);
            } catch (IOException e) {
                readFailure = e;
                throw e;
            }
        }
    }
}
