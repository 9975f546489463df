package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

import streamline.api.engine.Engine;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;

/** UploadHTTP as the standard processors' bundle provides it in Felix, posting to a server on 127.0.0.1. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class UploadHttpIT extends RuntimeTestSupport {

    private ServerSocket server;

    @Override
    protected Option extraOptions() {
        return composite(super.extraOptions(), projectBundle("streamline.processors.standard"));
    }

    @After
    public void tearDown() throws Exception {
        stopListening();
        if (server != null) {
            server.close();
        }
    }

    /** Answers one request with 200 and keeps what it received (headers and body, as text). */
    private AtomicReference<String> serveOnce() throws Exception {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        AtomicReference<String> received = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    head.write(in.read());
                }
                String headers = head.toString(StandardCharsets.ISO_8859_1);
                int length = headers.lines().filter(line -> line.toLowerCase().startsWith("content-length:"))
                        .map(line -> Integer.parseInt(line.substring(15).trim())).findFirst().orElse(0);
                byte[] body = in.readNBytes(length);
                received.set(headers + new String(body, StandardCharsets.ISO_8859_1));
                OutputStream out = socket.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nthanks!".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (Exception e) {
                received.compareAndSet(null, "server failed: " + e);
            }
        }, "UploadHttpIT server");
        thread.setDaemon(true);
        thread.start();
        return received;
    }

    @Test
    public void aFlowUploadsItsSessionsThroughTheBundlesComponent() throws Exception {
        configure("streamline.runtime", Map.of("poll.interval.ms", 50L, "flowManager.target", "(streamline.flow.type=memory)"));
        Engine engine = awaitService(Engine.class, "(poll.interval.ms=50)");
        SessionRecorder sessions = listen();
        AtomicReference<String> received = serveOnce();
        UUID id = FlowDefinition.idFromName("itest-upload");
        awaitService(FlowManager.class, "(streamline.flow.type=memory)").save(flow("itest-upload",
                processor(id, "Upload", "UploadHTTP", Map.of("url", "http://127.0.0.1:" + server.getLocalPort() + "/in",
                        "multipart_field_name", "doc", "multipart_filename", "report-${1 + 1}.pdf",
                        "write_response_to_metadata", true))));
        UUID session = submitWhenActive(engine, id, "mark-1");
        await("the session ended", () -> sessions.ended.containsKey(session), sessions.ended::keySet);
        assertEquals("failures", List.of(), sessions.failures());
        String request = received.get();
        assertTrue(request, request.startsWith("POST /in HTTP/1.1\r\n"));
        assertTrue(request, request.contains("Content-Disposition: form-data; name=\"doc\"; filename=\"report-2.pdf\"\r\n"));
    }
}
