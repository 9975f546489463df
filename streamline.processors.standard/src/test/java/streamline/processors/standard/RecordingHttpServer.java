package streamline.processors.standard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

/** An HTTP server on 127.0.0.1 (a free port) that keeps the last request and answers as told. */
final class RecordingHttpServer implements AutoCloseable {

    record Request(String method, String path, Headers headers, byte[] body) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    /** What the server answers. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        static Answer of(int status, String body) {
            return new Answer(status, Map.of(), body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private volatile Answer answer = Answer.of(200, "ok");
    private volatile Request last;
    /** While set, requests wait on it before answering (a server that does not answer). */
    private volatile CountDownLatch hold;
    /** While set, responses send their headers and 10 of 100 bytes, then wait on it. */
    private volatile CountDownLatch stallBody;
    /** A permit per request received. */
    private final Semaphore requests = new Semaphore(0);

    RecordingHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            last = new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders(), body);
            requests.release();
            CountDownLatch stalling = stallBody;
            if (stalling != null) {
                exchange.sendResponseHeaders(200, 100);
                OutputStream out = exchange.getResponseBody();
                out.write(new byte[10]);
                out.flush();
                try {
                    stalling.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
                return;
            }
            CountDownLatch waiting = hold;
            if (waiting != null) {
                try {
                    waiting.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Answer current = answer;
            current.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(current.status(), current.body().length == 0 ? -1 : current.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(current.body());
            }
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void answer(Answer next) {
        this.answer = next;
    }

    void hold(CountDownLatch latch) {
        this.hold = latch;
    }

    void stallBody(CountDownLatch latch) {
        this.stallBody = latch;
    }

    /** Waits for a request to have been received in full. */
    void awaitRequest() throws InterruptedException {
        if (!requests.tryAcquire(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no request within 30 s");
        }
    }

    Request last() {
        return last;
    }

    List<String> headerValues(String name) {
        return last.headers().get(name);
    }

    @Override
    public void close() {
        for (CountDownLatch waiting : new CountDownLatch[] {hold, stallBody}) {
            if (waiting != null) {
                waiting.countDown();
            }
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
