package streamline.processors.standard;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Flow;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.api.processor.StepUnavailableException;

/**
 * Processor {@code UploadHTTP}: POSTs the session's content to an HTTP server, with the Go project's keys.
 *
 * <p>Configuration: {@code url} (expression); {@code extra_headers} (an object; names and values are expressions,
 * set after the body's {@code Content-Type}, so they may replace it); {@code type} {@code multipart} (default) or
 * {@code base64}. Multipart: one file part, {@code multipart_field_name} (required), {@code multipart_filename} (the
 * field name when absent), {@code multipart_content_type} ({@code application/octet-stream}), all expressions.
 * Base64: {@code base64_body_format}, an expression in which each {@code {{.Base64Contents}}} stands for the content in
 * standard Base64 (no other template action is accepted, and text from metadata is never read as one).
 * {@code put_response_as_contents} (the response body becomes the content), {@code write_response_to_metadata},
 * {@code use_streaming} (a chunked request; without it the content is read once more first, to send its length).
 * The content is streamed from the session's content either way, never held whole.
 *
 * <p>Metadata it sets: {@code UploadHTTP.ResponseStatusCode} (a number), {@code UploadHTTP.URL} (the evaluated url)
 * and, with {@code write_response_to_metadata}, {@code UploadHTTP.ResponseBody} (text, decoded by the response's
 * charset, UTF-8 by default) and {@code UploadHTTP.ResponseHeaders} (each header name, written as Go writes it,
 * e.g. {@code Content-Type}, to the list of its values).
 *
 * <p>Failures: no connection, no progress within the read timeout, 429 and 5xx say that the server was not ready
 * (the step is retried as its retry policy says); any other status outside 2xx (redirects included: they are not
 * followed) fails the step with the status and the start of the body; so does a body over the operator's limits
 * (PID {@code streamline.processors.uploadhttp}).
 *
 * <p>Where the Go project differs: its base64 mode drops the last one to three bytes of the content (the encoder is
 * not closed before its text is used), follows redirects (a POST then becomes a body-less GET), ignores an unknown
 * {@code type} (sending an empty body), and reads template actions in metadata values.
 */
@ProcessorConfig(description = "Sends the session's content to an HTTP server.", keys = {
        @ConfigKey(name = "url", required = true, description = "The URL (expression)."),
        @ConfigKey(name = "extra_headers", type = ConfigType.MAP, description = "Headers to send; names and values are expressions."),
        @ConfigKey(name = "type", defaultValue = "multipart", description = "multipart (a form) or base64 (a template)."),
        @ConfigKey(name = "multipart_field_name", description = "The form field of the content; required with multipart."),
        @ConfigKey(name = "multipart_filename", description = "The file name of the part (default: the field name)."),
        @ConfigKey(name = "multipart_content_type", defaultValue = "application/octet-stream", description = "The part's content type."),
        @ConfigKey(name = "base64_body_format", description = "The body around {{.Base64Contents}}; required with base64."),
        @ConfigKey(name = "put_response_as_contents", type = ConfigType.BOOLEAN, defaultValue = "false",
                description = "The response body becomes the session's content."),
        @ConfigKey(name = "write_response_to_metadata", type = ConfigType.BOOLEAN, defaultValue = "false",
                description = "The response body and headers go into metadata."),
        @ConfigKey(name = "use_streaming", type = ConfigType.BOOLEAN, defaultValue = "false",
                description = "Send a chunked request instead of one with a length.") })
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=UploadHTTP",
        configurationPid = "streamline.processors.uploadhttp")
@Designate(ocd = UploadHttpConfig.class)
public class UploadHTTP implements Processor {

    /** How much of a failed response's body its error message quotes. */
    private static final int QUOTED_BYTES = 512;

    private final UploadSettings settings;
    private volatile UploadOptions options;
    private volatile UploadClient client;

    @Activate
    public UploadHTTP(UploadHttpConfig config) {
        this(UploadSettings.of(config));
    }

    public UploadHTTP(UploadSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext context) {
        options = UploadOptions.read(context.rawConfiguration());
        client = new UploadClient(context.flowName() + "/" + context.processorName(), settings.connectTimeout());
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        try {
            return upload(input, step);
        } catch (ServerNotReadyException e) {
            // the server, not the session, is at fault: the session waits without spending its retries
            throw new StepUnavailableException(e.getMessage(), e.retryAfter().orElse(null), e);
        }
    }

    private FlowObject upload(FlowObject input, StepContext step) throws Exception {
        String url = step.config("url").trim();
        URI uri = uri(url);
        ProgressClock clock = new ProgressClock(settings.readTimeout());
        try (StepContentStreams content = new StepContentStreams(step)) {
            UploadBody body = UploadBody.of(options, step, content);
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).POST(clock.counting(body.publisher()));
            body.contentType().ifPresent(type -> request.setHeader("Content-Type", type));
            for (Map.Entry<String, String> header : options.headers().entrySet()) {
                String name = step.evaluate("extra_headers", header.getKey()).trim();
                String value = step.evaluate("extra_headers", header.getValue());
                try {
                    request.setHeader(name, value);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("extra_headers: header '" + name + "' cannot be sent: " + e.getMessage(), e);
                }
            }
            HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
            try {
                response = client.send(request.build(), clock);
            } catch (IOException e) {
                if (content.readFailure() != null) {
                    throw new IOException("UploadHTTP: cannot read the session's content: " + content.readFailure(),
                            content.readFailure());
                }
                throw e;
            }
            ResponseBodyReader reader = new ResponseBodyReader(clock, settings.readTimeout());
            response.body().subscribe(reader);
            int status = response.statusCode();
            if (status < 200 || status > 299) {
                throw failure(url, response, reader);
            }
            FlowObject output = input.with("UploadHTTP.ResponseStatusCode", status).with("UploadHTTP.URL", url);
            byte[] kept = readBody(url, reader, step);
            if (options.responseToMetadata()) {
                output = output.with("UploadHTTP.ResponseBody", new String(kept, charset(response)))
                        .with("UploadHTTP.ResponseHeaders", headers(response));
            }
            return output;
        }
    }

    /** Reads the body into the content, the metadata or nowhere, within the limits; returns what metadata needs. */
    private byte[] readBody(String url, ResponseBodyReader reader, StepContext step) throws Exception {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        long limit = settings.responseLimit();
        String limitKey = "response.limit.bytes";
        if (options.responseToMetadata() && settings.metadataLimit() < limit) {
            limit = settings.metadataLimit();
            limitKey = "metadata.limit.bytes";
        }
        OutputStream content = options.responseToContent() ? step.writeContent() : OutputStream.nullOutputStream();
        try (OutputStream sink = options.responseToMetadata() ? both(content, kept) : content) {
            reader.copyTo(sink, limit, true);
        } catch (ResponseBodyReader.TooLarge e) {
            throw new IOException("UploadHTTP: the response of " + url + " holds " + e.getMessage() + " (PID "
                    + "streamline.processors.uploadhttp, key " + limitKey + ")");
        }
        return kept.toByteArray();
    }

    private static Exception failure(String url, HttpResponse<?> response, ResponseBodyReader reader) throws InterruptedException {
        int status = response.statusCode();
        ByteArrayOutputStream start = new ByteArrayOutputStream();
        try {
            reader.copyTo(start, QUOTED_BYTES, false);
        } catch (IOException | ResponseBodyReader.TooLarge e) {
            // the status says enough; the body is only quoted
        }
        reader.cancel();
        String quoted = new String(start.toByteArray(), charset(response)).replaceAll("\\p{Cntrl}+", " ").strip();
        String location = response.headers().firstValue("Location").map(to -> " (to " + to + ", not followed)").orElse("");
        String message = "POST " + url + " answered " + status + location + (quoted.isEmpty() ? "" : ": " + quoted);
        if (status == 429 || status >= 500) {
            Duration retryAfter = response.headers().firstValue("Retry-After").filter(value -> value.matches("\\d{1,9}"))
                    .map(value -> Duration.ofSeconds(Long.parseLong(value))).orElse(null);
            return new ServerNotReadyException(message, retryAfter, null);
        }
        return new IOException("UploadHTTP: " + message);
    }

    private static URI uri(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("url must be an absolute http or https URL with a host, was '" + url + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url is not a valid URL: " + e.getMessage(), e);
        }
    }

    private static Charset charset(HttpResponse<?> response) {
        String type = response.headers().firstValue("Content-Type").orElse("");
        for (String parameter : type.split(";")) {
            String[] pair = parameter.trim().split("=", 2);
            if (pair.length == 2 && pair[0].trim().equalsIgnoreCase("charset")) {
                try {
                    return Charset.forName(pair[1].trim().replace("\"", ""));
                } catch (IllegalArgumentException e) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    /** The response's headers as Go's {@code http.Header} holds them: canonical names to their values. */
    private static Map<String, Object> headers(HttpResponse<?> response) {
        Map<String, Object> headers = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                headers.put(canonical(name), List.copyOf(values));
            }
        });
        return headers;
    }

    /** {@code content-type} → {@code Content-Type}, as Go's {@code textproto.CanonicalMIMEHeaderKey}. */
    static String canonical(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean upper = true;
        for (char c : name.toCharArray()) {
            out.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
            upper = c == '-';
        }
        return out.toString();
    }

    private static OutputStream both(OutputStream first, OutputStream second) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                first.write(b);
                second.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                first.write(bytes, offset, length);
                second.write(bytes, offset, length);
            }

            @Override
            public void close() throws IOException {
                try {
                    first.close();
                } finally {
                    second.close();
                }
            }
        };
    }

    @Override
    @Deactivate
    public void close() throws InterruptedException {
        UploadClient current = client;
        client = null;
        if (current != null) {
            current.close();
        }
    }
}
