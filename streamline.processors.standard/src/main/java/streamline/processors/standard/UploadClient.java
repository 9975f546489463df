package streamline.processors.standard;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLException;

/**
 * The HTTP client of one {@code UploadHTTP} processor and the threads it runs on, which {@link #close()} stops.
 *
 * <p>The client's executor is this object's: its threads are named after the processor and end when it is closed.
 * The JDK's client also keeps a selector thread of its own; on Java 21 and later {@link #close()} closes the client
 * and with it that thread; on Java 17 the client has no close, and its selector thread ends once the dropped client
 * is collected.
 */
final class UploadClient implements AutoCloseable {

    private final ExecutorService executor;
    private volatile HttpClient client;

    UploadClient(String name, Duration connectTimeout) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread thread = new Thread(task, "UploadHTTP " + name + " #" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.executor = Executors.newCachedThreadPool(threads);
        // HTTP/1.1: a known way to send a body of unknown length (chunked); redirects are not followed, so content is
        // never sent somewhere the flow did not name, nor silently dropped as a redirected POST turned into a GET
        this.client = HttpClient.newBuilder().executor(executor).connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * Sends the request and waits for the response's status and headers while the exchange progresses; the body is
     * the caller's to read (or cancel).
     *
     * @throws ServerNotReadyException when the server cannot be reached, breaks the connection or makes no progress
     *         within the read timeout
     * @throws IOException when the request failed otherwise (TLS, or an unexpected failure in the client)
     */
    HttpResponse<Flow.Publisher<List<ByteBuffer>>> send(HttpRequest request, ProgressClock clock)
            throws IOException, InterruptedException {
        HttpClient current = client;
        if (current == null) {
            throw new IllegalStateException("UploadHTTP was closed");
        }
        try {
            // the response is there once its status and headers are: the body is read by the caller, part by part
            return clock.await(current.sendAsync(request, BodyHandlers.ofPublisher()));
        } catch (TimeoutException e) {
            throw new ServerNotReadyException(request.method() + " " + request.uri() + ": " + e.getMessage(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof Error error) {
                throw error;
            }
            if (!(cause instanceof IOException)) {
                throw new IOException(request.method() + " " + request.uri() + " failed: " + cause, cause);
            }
            if (cause instanceof SSLException) {
                // a certificate or protocol mismatch does not go away by waiting
                throw new IOException(request.method() + " " + request.uri() + ": TLS failed: " + cause, cause);
            }
            throw new ServerNotReadyException(request.method() + " " + request.uri() + " failed: " + cause, cause);
        }
    }

    @Override
    public void close() throws InterruptedException {
        HttpClient current = client;
        client = null;
        if (current instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // closing stops its exchanges; a failure to stop one more is no reason to keep the threads
            }
        }
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
