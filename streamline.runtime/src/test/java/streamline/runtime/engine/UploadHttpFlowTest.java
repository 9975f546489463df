package streamline.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import streamline.api.flow.FlowDefinition;
import streamline.api.processor.FlowObject;
import streamline.processors.standard.UploadHTTP;
import streamline.processors.standard.UploadSettings;
import streamline.testkit.TestFlows;

/** UploadHTTP in a flow run by the engine, with the engine's expressions, against a server on 127.0.0.1. */
class UploadHttpFlowTest {

    @TempDir
    Path directory;
    private EngineHarness harness;
    private HttpServer server;
    private final Map<String, String> received = new ConcurrentHashMap<>();
    private final Map<UUID, FlowObject> seen = new ConcurrentHashMap<>();
    private final Map<UUID, String> seenContent = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            received.put(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("X-Session") + "|" + body);
            boolean missing = exchange.getRequestURI().getPath().startsWith("/missing");
            byte[] answer = (missing ? "no such place" : "stored " + body.length()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Trace", "t1");
            exchange.sendResponseHeaders(missing ? 404 : 201, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        harness = new EngineHarness(directory);
        harness.processor("UploadHTTP", () -> new UploadHTTP(UploadSettings.defaults()));
        harness.processor("Noop", () -> (input, step) -> {
            try (InputStream in = step.readContent()) {
                seenContent.put(step.sessionId(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            seen.put(step.sessionId(), input);
            return input;
        });
        harness.start();
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
        server.stop(0);
    }

    private FlowDefinition flow(String name) throws Exception {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/${$env[\"target.dir\"]}/${name}";
        return harness.activate(EngineTest.withProcessor(TestFlows.flow(name, "Upload->Record"), "Upload",
                b -> b.type("UploadHTTP").maxRetries(0).config(Map.of("url", url, "type", "base64",
                        "base64_body_format", "{\"name\": \"${name}\", \"data\": \"{{.Base64Contents}}\"}",
                        "extra_headers", Map.of("X-Session", "${name}-${1 + 4}"),
                        "put_response_as_contents", true, "write_response_to_metadata", true))));
    }

    @Test
    void aSessionsContentIsUploadedAndTheResponseBecomesItsContentAndMetadata() throws Exception {
        FlowDefinition flow = flow("upload");
        UUID session = harness.engine.submit(flow.id(), FlowObject.of(Map.of("name", "a.txt", "target.dir", "in")),
                () -> new ByteArrayInputStream("hello".getBytes(StandardCharsets.UTF_8)));
        harness.awaitEnded(1);
        assertFalse(harness.ended.get(session).failed(), harness.ended.get(session).error());

        String body = "{\"name\": \"a.txt\", \"data\": \"aGVsbG8=\"}";
        assertEquals("a.txt-5|" + body, received.get("/in/a.txt"));
        Map<String, Object> metadata = seen.get(session).metadata();
        assertEquals(201, ((Number) metadata.get("UploadHTTP.ResponseStatusCode")).intValue());
        assertEquals("http://127.0.0.1:" + server.getAddress().getPort() + "/in/a.txt", metadata.get("UploadHTTP.URL"));
        assertEquals("stored " + body.length(), metadata.get("UploadHTTP.ResponseBody"));
        assertEquals(List.of("t1"), ((Map<?, ?>) metadata.get("UploadHTTP.ResponseHeaders")).get("X-Trace"));
        assertEquals("stored " + body.length(), seenContent.get(session));
    }

    @Test
    void aRefusedUploadFailsTheSessionWithTheStatusAndTheServersWords() throws Exception {
        FlowDefinition flow = flow("refused");
        UUID session = harness.engine.submit(flow.id(), FlowObject.of(Map.of("name", "b", "target.dir", "missing")),
                () -> new ByteArrayInputStream("x".getBytes(StandardCharsets.UTF_8)));
        harness.awaitEnded(1);
        assertTrue(harness.ended.get(session).failed());
        String error = harness.ended.get(session).error();
        assertTrue(error.contains("answered 404: no such place"), error);
        assertFalse(seen.containsKey(session));
    }

}
