package streamline.processors.standard;

import java.io.IOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import streamline.api.processor.StepContext;

/**
 * The request body of one {@code UploadHTTP} step: the session's content in a multipart form or a Base64 template,
 * read from the content store while the client sends it. Without streaming the content is read once more before,
 * to count it, so the request carries its length (as the Go project's in-memory mode does) without the content
 * ever being held whole.
 *
 * @param publisher the body
 * @param contentType the request's {@code Content-Type}, if the body sets one (the multipart form's)
 */
record UploadBody(BodyPublisher publisher, Optional<String> contentType) {

    private static final SecureRandom RANDOM = new SecureRandom();

    static UploadBody of(UploadOptions options, StepContext step, StepContentStreams content) throws IOException {
        return options.base64() ? base64(options, step, content) : multipart(options, step, content);
    }

    /**
     * One file part, written as Go's {@code mime/multipart} writes it: {@code --boundary CRLF}, the part's headers in
     * name order, a blank line, the content, {@code CRLF --boundary-- CRLF}. Names in the disposition have {@code \}
     * and {@code "} escaped (as Go's {@code CreateFormFile} does; its {@code CreatePart} as UploadHTTP calls it does not).
     */
    private static UploadBody multipart(UploadOptions options, StepContext step, StepContentStreams content) throws IOException {
        String field = headerText("multipart_field_name", step.evaluate("multipart_field_name", options.fieldName()));
        String file = headerText("multipart_filename", step.evaluate("multipart_filename", options.fileName()));
        String partType = headerText("multipart_content_type", step.evaluate("multipart_content_type",
                options.partContentType()));
        String boundary = boundary();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quoted(field) + "\"; filename=\""
                + quoted(file) + "\"\r\nContent-Type: " + partType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        BodyPublisher body = BodyPublishers.concat(BodyPublishers.ofByteArray(head),
                BodyPublishers.ofInputStream(() -> content.open(in -> in)), BodyPublishers.ofByteArray(tail));
        if (!options.streaming()) {
            body = BodyPublishers.fromPublisher(body, head.length + content.length() + tail.length);
        }
        return new UploadBody(body, Optional.of("multipart/form-data; boundary=" + boundary));
    }

    /** The template's text parts evaluated over the metadata (never read as template actions) around the encoded content. */
    private static UploadBody base64(UploadOptions options, StepContext step, StepContentStreams content) throws IOException {
        List<BodyPublisher> parts = new ArrayList<>();
        long textLength = 0;
        List<String> template = options.templateParts();
        for (int i = 0; i < template.size(); i++) {
            if (i > 0) {
                parts.add(BodyPublishers.ofInputStream(() -> content.open(Base64EncodingInputStream::new)));
            }
            byte[] text = step.evaluate("base64_body_format", template.get(i)).getBytes(StandardCharsets.UTF_8);
            textLength += text.length;
            parts.add(BodyPublishers.ofByteArray(text));
        }
        BodyPublisher body = BodyPublishers.concat(parts.toArray(BodyPublisher[]::new));
        if (!options.streaming()) {
            long encoded = template.size() == 1 ? 0 : Base64EncodingInputStream.encodedLength(content.length());
            body = BodyPublishers.fromPublisher(body, textLength + (template.size() - 1) * encoded);
        }
        return new UploadBody(body, Optional.empty());
    }

    /** As Go's multipart writer: 30 random bytes in hex, unpredictable so that no content can hold it on purpose. */
    private static String boundary() {
        byte[] bytes = new byte[30];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String quoted(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** A value going into a part's header may not end the header early. */
    private static String headerText(String key, String value) {
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(key + " must not contain a line break, was '" + value + "'");
        }
        return value;
    }
}
