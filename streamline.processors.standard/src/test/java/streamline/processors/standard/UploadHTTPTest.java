package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import streamline.api.processor.FlowObject;
import streamline.api.processor.StepUnavailableException;
import streamline.testkit.ProcessorHarness;

class UploadHTTPTest {

    private static final Pattern BOUNDARY = Pattern.compile("multipart/form-data; boundary=([0-9a-f]{60})");
    /** Not a multiple of 3 long, with every byte value: Base64 padding and binary content both show. */
    private static final byte[] CONTENT = content();

    private final RecordingHttpServer server = newServer();

    private static RecordingHttpServer newServer() {
        try {
            return new RecordingHttpServer();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] content() {
        byte[] bytes = new byte[256 * 3 + 1];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ProcessorHarness.Result upload(Map<String, Object> config, Map<String, Object> metadata) throws Exception {
        return upload(new UploadHTTP(UploadSettings.defaults()), config, metadata);
    }

    private ProcessorHarness.Result upload(UploadHTTP processor, Map<String, Object> config, Map<String, Object> metadata)
            throws Exception {
        try {
            return ProcessorHarness.of(processor).config(config).metadata(metadata).content(CONTENT).run();
        } finally {
            processor.close();
        }
    }

    private static byte[] bytes(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : parts) {
            out.writeBytes(part.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "use_streaming={0}")
    @ValueSource(booleans = {false, true})
    void multipartBodyIsOneFilePartWrittenAsGoWritesIt(boolean streaming) throws Exception {
        ProcessorHarness.Result result = upload(Map.of("url", server.url("/upload/${id}"), "multipart_field_name", "file",
                "multipart_filename", "${name}.bin", "multipart_content_type", "application/x-test", "use_streaming", streaming),
                Map.of("id", "42", "name", "say \"hi\""));

        RecordingHttpServer.Request request = server.last();
        assertEquals("POST", request.method());
        assertEquals("/upload/42", request.path());
        Matcher type = BOUNDARY.matcher(request.header("Content-Type"));
        assertTrue(type.matches(), request.header("Content-Type"));
        String boundary = type.group(1);
        byte[] expected = concat(bytes("--", boundary, "\r\n",
                "Content-Disposition: form-data; name=\"file\"; filename=\"say \\\"hi\\\".bin\"\r\n",
                "Content-Type: application/x-test\r\n\r\n"), CONTENT, bytes("\r\n--", boundary, "--\r\n"));
        assertArrayEquals(expected, request.body());
        if (streaming) {
            assertEquals("chunked", request.header("Transfer-encoding"));
            assertNull(request.header("Content-length"));
        } else {
            assertEquals(String.valueOf(expected.length), request.header("Content-length"));
            assertNull(request.header("Transfer-encoding"));
        }
        assertEquals(200, result.output().metadata().get("UploadHTTP.ResponseStatusCode"));
        assertEquals(server.url("/upload/42"), result.output().metadata().get("UploadHTTP.URL"));
        assertEquals("42", result.output().metadata().get("id"), "the session's metadata is kept");
        assertArrayEquals(CONTENT, result.content(), "the content passes on unchanged");
        assertFalse(result.output().metadata().containsKey("UploadHTTP.ResponseBody"));
    }

    @Test
    void multipartFileNameDefaultsToTheFieldNameAndTheTypeToOctetStream() throws Exception {
        upload(Map.of("url", server.url("/"), "multipart_field_name", "doc"), Map.of());
        String body = new String(server.last().body(), StandardCharsets.ISO_8859_1);
        assertTrue(body.contains("Content-Disposition: form-data; name=\"doc\"; filename=\"doc\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"), body.substring(0, 200));
    }

    @ParameterizedTest(name = "use_streaming={0}")
    @ValueSource(booleans = {false, true})
    void base64BodyIsTheTemplateAroundTheWholeContent(boolean streaming) throws Exception {
        upload(Map.of("url", server.url("/b64"), "type", "base64", "use_streaming", String.valueOf(streaming),
                "base64_body_format", "{\"name\": \"${name}\", \"data\": \"{{.Base64Contents}}\", \"again\": \"{{ .Base64Contents }}\"}"),
                Map.of("name", "{{.Base64Contents}}"));

        String encoded = Base64.getEncoder().encodeToString(CONTENT);
        assertTrue(encoded.endsWith("="), "the last group is padded, not dropped");
        byte[] expected = bytes("{\"name\": \"{{.Base64Contents}}\", \"data\": \"", encoded, "\", \"again\": \"", encoded, "\"}");
        assertArrayEquals(expected, server.last().body(), new String(server.last().body(), StandardCharsets.UTF_8));
        assertNull(server.last().header("Content-Type"), "the Go project sets none for base64");
        if (!streaming) {
            assertEquals(String.valueOf(expected.length), server.last().header("Content-length"));
        }
    }

    @Test
    void extraHeadersNamesAndValuesAreExpressionsAndMayReplaceTheContentType() throws Exception {
        Map<String, Object> headers = Map.of("X-Id-${kind}", "v-${id}", "Content-Type", "application/json",
                "Authorization", "Bearer ${token}");
        upload(Map.of("url", server.url("/h"), "type", "base64", "base64_body_format", "{{.Base64Contents}}",
                "extra_headers", headers), Map.of("kind", "a", "id", "7", "token", "s3cr3t"));

        assertEquals(List.of("v-7"), server.headerValues("X-id-a"));
        assertEquals(List.of("application/json"), server.headerValues("Content-type"));
        assertEquals(List.of("Bearer s3cr3t"), server.headerValues("Authorization"));
    }

    @Test
    void aHeaderValueWithALineBreakIsRefusedNamingTheKey() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> upload(Map.of("url", server.url("/h"),
                "multipart_field_name", "f", "extra_headers", Map.of("X-A", "${v}")), Map.of("v", "a\r\nX-Evil: 1")));
        assertTrue(e.getMessage().contains("extra_headers"), e.getMessage());
        assertNull(server.last(), "nothing was sent");
    }

    @Test
    void responseBecomesTheContent() throws Exception {
        server.answer(RecordingHttpServer.Answer.of(201, "stored as 123"));
        ProcessorHarness.Result result = upload(Map.of("url", server.url("/"), "multipart_field_name", "f",
                "put_response_as_contents", true), Map.of());
        assertEquals("stored as 123", result.contentAsString());
        assertEquals(201, result.output().metadata().get("UploadHTTP.ResponseStatusCode"));
        assertFalse(result.output().metadata().containsKey("UploadHTTP.ResponseBody"));
    }

    @Test
    void responseGoesToMetadataWithHeadersNamedAsGoNamesThem() throws Exception {
        server.answer(new RecordingHttpServer.Answer(200, Map.of("x-trace-id", "abc", "Content-Type",
                "text/plain; charset=ISO-8859-1"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1)));
        ProcessorHarness.Result result = upload(Map.of("url", server.url("/"), "multipart_field_name", "f",
                "write_response_to_metadata", "true"), Map.of());

        Map<String, Object> metadata = result.output().metadata();
        assertEquals("caf\u00e9", metadata.get("UploadHTTP.ResponseBody"));
        @SuppressWarnings("unchecked")
        Map<String, Object> headers = (Map<String, Object>) metadata.get("UploadHTTP.ResponseHeaders");
        assertEquals(List.of("abc"), headers.get("X-Trace-Id"));
        assertEquals(List.of("text/plain; charset=ISO-8859-1"), headers.get("Content-Type"));
        assertArrayEquals(CONTENT, result.content(), "the content is kept when the response goes to metadata only");
    }

    @Test
    void responseToBothContentAndMetadata() throws Exception {
        server.answer(RecordingHttpServer.Answer.of(200, "{\"id\": 9}"));
        ProcessorHarness.Result result = upload(Map.of("url", server.url("/"), "multipart_field_name", "f",
                "write_response_to_metadata", true, "put_response_as_contents", true), Map.of());
        assertEquals("{\"id\": 9}", result.contentAsString());
        assertEquals("{\"id\": 9}", result.output().metadata().get("UploadHTTP.ResponseBody"));
    }

    @Test
    void anotherStatusOutside2xxFailsWithTheStatusAndTheStartOfTheBody() {
        server.answer(RecordingHttpServer.Answer.of(404, "no such bucket: photos\n" + "x".repeat(5000)));
        Exception e = assertThrows(IOException.class, () -> upload(Map.of("url", server.url("/p"),
                "multipart_field_name", "f"), Map.of()));
        assertTrue(e.getMessage().contains("answered 404: no such bucket: photos"), e.getMessage());
        assertTrue(e.getMessage().length() < 1000, "only the start of the body: " + e.getMessage().length());
        assertFalse(e instanceof StepUnavailableException, "a 404 is not the server being busy");
        assertFalse(e.getMessage().contains("not ready"), e.getMessage());
    }

    @Test
    void aRedirectIsNotFollowed() {
        server.answer(new RecordingHttpServer.Answer(302, Map.of("Location", "http://127.0.0.1:1/elsewhere"), new byte[0]));
        Exception e = assertThrows(IOException.class, () -> upload(Map.of("url", server.url("/p"),
                "multipart_field_name", "f"), Map.of()));
        assertTrue(e.getMessage().contains("answered 302 (to http://127.0.0.1:1/elsewhere, not followed)"), e.getMessage());
    }

    @ParameterizedTest(name = "status {0}")
    @ValueSource(ints = {429, 500, 503})
    void busyOrFailingServerSaysItWasNotReady(int status) {
        server.answer(new RecordingHttpServer.Answer(status, Map.of("Retry-After", "7"), "try later".getBytes(StandardCharsets.UTF_8)));
        StepUnavailableException e = assertThrows(StepUnavailableException.class, () -> upload(Map.of("url", server.url("/p"),
                "multipart_field_name", "f"), Map.of()));
        assertTrue(e.getMessage().startsWith("the server was not ready: POST " + server.url("/p") + " answered " + status
                + ": try later"), e.getMessage());
        assertEquals(Optional.of(Duration.ofSeconds(7)), e.retryAfter());
    }

    @Test
    void refusedConnectionSaysTheServerWasNotReady() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Exception e = assertThrows(StepUnavailableException.class, () -> upload(Map.of("url",
                "http://127.0.0.1:" + port + "/p", "multipart_field_name", "f"), Map.of()));
        assertTrue(e.getMessage().startsWith("the server was not ready: POST http://127.0.0.1:" + port + "/p failed"),
                e.getMessage());
        assertTrue(e.getMessage().contains("ConnectException"), e.getMessage());
    }

    @Test
    void aServerThatDoesNotAnswerIsGivenUpOnAfterTheReadTimeout() {
        CountDownLatch never = new CountDownLatch(1);
        server.hold(never);
        UploadHTTP processor = new UploadHTTP(new UploadSettings(Duration.ofSeconds(5), Duration.ofSeconds(1), 1024, 1024));
        Exception e = assertThrows(StepUnavailableException.class, () -> upload(processor, Map.of("url", server.url("/slow"),
                "multipart_field_name", "f"), Map.of()));
        assertTrue(e.getMessage().contains("no progress for 1 s"), e.getMessage());
        never.countDown();
    }

    @Test
    void aResponseBodyThatStopsComingIsGivenUpOnAfterTheReadTimeout() {
        server.stallBody(new CountDownLatch(1));
        UploadHTTP processor = new UploadHTTP(new UploadSettings(Duration.ofSeconds(5), Duration.ofSeconds(1), 1024, 1024));
        Exception e = assertThrows(StepUnavailableException.class, () -> upload(processor, Map.of("url", server.url("/slow"),
                "multipart_field_name", "f", "put_response_as_contents", true), Map.of()));
        assertTrue(e.getMessage().contains("no part of the response body arrived for 1 s"), e.getMessage());
    }

    @Test
    void anInterruptedStepStopsWaitingForTheServerAtOnce() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        server.hold(never);
        UploadHTTP processor = new UploadHTTP(UploadSettings.defaults()); // a read timeout of 60 s
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread step = new Thread(() -> {
            try {
                upload(processor, Map.of("url", server.url("/held"), "multipart_field_name", "f"), Map.of());
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        step.start();
        server.awaitRequest();
        step.interrupt();
        step.join(10_000);
        assertFalse(step.isAlive(), "the step ended on the interrupt, not after the read timeout");
        assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        never.countDown();
    }

    @Test
    void aResponseOverTheLimitFailsTheStepNamingTheKey() {
        server.answer(RecordingHttpServer.Answer.of(200, "y".repeat(2000)));
        UploadHTTP processor = new UploadHTTP(new UploadSettings(Duration.ofSeconds(5), Duration.ofSeconds(5), 10_000, 1000));
        Exception e = assertThrows(IOException.class, () -> upload(processor, Map.of("url", server.url("/"),
                "multipart_field_name", "f", "write_response_to_metadata", true), Map.of()));
        assertTrue(e.getMessage().contains("more than 1000 bytes") && e.getMessage().contains("metadata.limit.bytes"),
                e.getMessage());

        UploadHTTP small = new UploadHTTP(new UploadSettings(Duration.ofSeconds(5), Duration.ofSeconds(5), 100, 1000));
        Exception content = assertThrows(IOException.class, () -> upload(small, Map.of("url", server.url("/"),
                "multipart_field_name", "f", "put_response_as_contents", true), Map.of()));
        assertTrue(content.getMessage().contains("more than 100 bytes") && content.getMessage().contains("response.limit.bytes"),
                content.getMessage());
    }

    @Test
    void wrongConfigurationIsRefusedAtInitNamingTheKey() {
        Map<Map<String, Object>, String> cases = new HashMap<>();
        cases.put(Map.of("url", "http://x/"), "multipart_field_name is required");
        cases.put(Map.of("multipart_field_name", "f"), "key 'url' is required");
        cases.put(Map.of("url", "http://x/", "type", "form"), "type must be 'multipart' or 'base64', was 'form'");
        cases.put(Map.of("url", "http://x/", "type", "base64"), "base64_body_format is required");
        cases.put(Map.of("url", "http://x/", "type", "base64", "base64_body_format", "{{.Other}}"),
                "only the action {{.Base64Contents}} is supported, found '{{.Other}}'");
        cases.put(Map.of("url", "http://x/", "multipart_field_name", "f", "use_streaming", "yes"),
                "key 'use_streaming' must be true or false, was \"yes\"");
        cases.put(Map.of("url", "http://x/", "multipart_field_name", "f", "extra_headers", "X-A: 1"),
                "key 'extra_headers' must be an object");
        cases.forEach((config, message) -> {
            // the declared keys are checked before init (InvalidFlowException), the rest by init
            Exception e = assertThrows(Exception.class, () -> upload(config, Map.of()), message);
            assertTrue(e.getMessage().contains(message), e.getMessage());
        });
    }

    @ParameterizedTest(name = "use_streaming={0}")
    @ValueSource(booleans = {false, true})
    void aContentThatCannotBeReadFailsAsSuchNotAsAServerNotReady(boolean streaming) throws Exception {
        UploadHTTP processor = new UploadHTTP(UploadSettings.defaults());
        GeneratedContentStep step = new GeneratedContentStep(Map.of("url", server.url("/"), "multipart_field_name", "f",
                "use_streaming", streaming), 1 << 20, 300_000);
        processor.init(step);
        try {
            IOException e = assertThrows(IOException.class, () -> processor.process(FlowObject.of(Map.of()), step));
            assertFalse(e instanceof ServerNotReadyException, e.toString());
            assertTrue(e.toString().contains("bad sector at 300000"), e.toString());
        } finally {
            processor.close();
        }
    }

    @Test
    void aUrlThatIsNotHttpFailsTheStep() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> upload(Map.of("url", "file:///etc/${f}",
                "multipart_field_name", "f"), Map.of("f", "passwd")));
        assertTrue(e.getMessage().contains("url must be an absolute http or https URL"), e.getMessage());
    }

    @Test
    void closingStopsTheClientsThreads() throws Exception {
        UploadHTTP processor = new UploadHTTP(UploadSettings.defaults());
        ProcessorHarness.of(processor).config(Map.of("url", server.url("/"), "multipart_field_name", "f")).content(CONTENT).run();
        assertTrue(clientThreads() > 0, "the exchange ran on the processor's own threads");
        processor.close();
        assertEquals(0, clientThreads(), "close waits for the client's threads to end");
    }

    private static long clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("UploadHTTP test-flow/test-processor #") && thread.isAlive())
                .count();
    }
}
