package streamline.processors.standard;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import com.sun.net.httpserver.HttpServer;

import streamline.api.processor.FlowObject;

/**
 * Run in a JVM with a heap much smaller than the content: uploads generated content of the given size to a server
 * that checks it (length and CRC-32) and prints {@code OK <bytes>}; holding the content whole ends in an
 * {@code OutOfMemoryError} and a non-zero exit. Arguments: size in bytes, {@code multipart} or {@code base64},
 * {@code streaming} or {@code counted}.
 */
public final class LargeUploadChild {

    private LargeUploadChild() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            // the server's dispatcher thread would keep the JVM alive: end it with the failure
            e.printStackTrace(System.out);
            System.out.flush();
            Runtime.getRuntime().halt(1);
        }
        Runtime.getRuntime().halt(0);
    }

    private static void run(String[] args) throws Exception {
        long size = Long.parseLong(args[0]);
        boolean base64 = args[1].equals("base64");
        boolean streaming = args[2].equals("streaming");
        AtomicReference<String> received = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            CRC32 crc = new CRC32();
            long count = 0;
            byte[] buffer = new byte[65536];
            try (InputStream in = exchange.getRequestBody()) {
                for (int n; (n = in.read(buffer)) > 0; count += n) {
                    crc.update(buffer, 0, n);
                }
            }
            received.set(count + " " + Long.toHexString(crc.getValue()) + " " + exchange.getRequestHeaders().getFirst("Content-Type")
                    + " " + exchange.getRequestHeaders().getFirst("Content-length"));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        Map<String, Object> config = base64
                ? Map.of("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/", "type", "base64",
                        "base64_body_format", "{\"data\": \"{{.Base64Contents}}\"}", "use_streaming", streaming)
                : Map.of("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/", "multipart_field_name", "file",
                        "use_streaming", streaming);
        UploadHTTP processor = new UploadHTTP(UploadSettings.defaults());
        GeneratedContentStep step = new GeneratedContentStep(config, size, -1);
        processor.init(step);
        FlowObject output = processor.process(FlowObject.of(Map.of()), step);
        processor.close();
        server.stop(0);
        if (!Integer.valueOf(200).equals(output.metadata().get("UploadHTTP.ResponseStatusCode"))) {
            throw new IllegalStateException("status " + output.metadata());
        }
        String[] got = received.get().split(" ", 3);
        CRC32 expected = new CRC32();
        long expectedLength;
        OutputStream crc = new OutputStream() {
            @Override
            public void write(int b) {
                expected.update(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                expected.update(bytes, offset, length);
            }
        };
        if (base64) {
            byte[] head = "{\"data\": \"".getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
            crc.write(head);
            try (OutputStream into = Base64.getEncoder().wrap(crc)) {
                new GeneratedContent(size).transferTo(into);
            }
            crc.write(tail);
            expectedLength = head.length + 4 * ((size + 2) / 3) + tail.length;
        } else {
            String boundary = got[2].substring(got[2].indexOf("boundary=") + 9, got[2].indexOf("boundary=") + 69);
            byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
            byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
            crc.write(head);
            new GeneratedContent(size).transferTo(crc);
            crc.write(tail);
            expectedLength = head.length + size + tail.length;
        }
        String want = expectedLength + " " + Long.toHexString(expected.getValue());
        if (!received.get().startsWith(want + " ")) {
            throw new IllegalStateException("the server received " + received.get() + ", expected " + want);
        }
        System.out.println("OK " + received.get());
        System.out.flush();
    }

    /** {@code size} bytes of a fixed pattern, made as they are read. */
    static final class GeneratedContent extends InputStream {
        private final long size;
        private long position;

        GeneratedContent(long size) {
            this.size = size;
        }

        private static byte at(long i) {
            return (byte) (i * 31 + (i >>> 13));
        }

        @Override
        public int read() {
            return position < size ? at(position++) & 0xff : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(length, size - position);
            for (int i = 0; i < n; i++) {
                buffer[offset + i] = at(position++);
            }
            return n;
        }
    }
}
