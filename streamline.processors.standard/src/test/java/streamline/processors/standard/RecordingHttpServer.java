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

    Request last() {
        return last;
    }

    List<String> headerValues(String name) {
        return last.headers().get(name);
    }

    @Override
    public void close() {
        CountDownLatch waiting = hold;
        if (waiting != null) {
            waiting.countDown();
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
