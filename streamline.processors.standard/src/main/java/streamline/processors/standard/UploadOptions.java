package streamline.processors.standard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code UploadHTTP} processor of a flow is configured to do, read and checked once at init. Values that
 * are expressions stay raw here; each step evaluates them over its session's metadata.
 *
 * @param url the {@code url} expression
 * @param headers {@code extra_headers}: raw names and values, both expressions
 * @param base64 whether the body is the {@code base64} template (else a multipart form)
 * @param fieldName {@code multipart_field_name} (expression)
 * @param fileName {@code multipart_filename} (expression; the field name when absent, as the Go project does)
 * @param partContentType {@code multipart_content_type} (expression; {@code application/octet-stream} when absent)
 * @param templateParts the {@code base64_body_format} text around each {@code {{.Base64Contents}}}: one more part
 *        than there are places for the content
 * @param responseToContent {@code put_response_as_contents}
 * @param responseToMetadata {@code write_response_to_metadata}
 * @param streaming {@code use_streaming}: a chunked request instead of one with a length
 */
record UploadOptions(String url, Map<String, String> headers, boolean base64, String fieldName, String fileName,
        String partContentType, List<String> templateParts, boolean responseToContent, boolean responseToMetadata,
        boolean streaming) {

    /** The one action of the Go template the base64 body format is: the content, Base64-encoded. */
    static final Pattern CONTENT_ACTION = Pattern.compile("\\{\\{-?\\s*\\.Base64Contents\\s*-?}}");

    static UploadOptions read(Map<String, Object> raw) {
        String url = text(raw, "url");
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("url is required");
        }
        String type = text(raw, "type");
        if (type == null || type.isEmpty()) {
            type = "multipart";
        }
        if (!type.equals("multipart") && !type.equals("base64")) {
            throw new IllegalArgumentException("type must be 'multipart' or 'base64', was '" + type + "'");
        }
        boolean base64 = type.equals("base64");
        String fieldName = text(raw, "multipart_field_name");
        String fileName = text(raw, "multipart_filename");
        String partContentType = text(raw, "multipart_content_type");
        List<String> templateParts = List.of();
        if (base64) {
            String format = text(raw, "base64_body_format");
            if (format == null || format.isEmpty()) {
                throw new IllegalArgumentException("base64_body_format is required with type base64 (for example "
                        + "'{\"file\": \"{{.Base64Contents}}\"}')");
            }
            templateParts = templateParts(format);
        } else if (fieldName == null || fieldName.isEmpty()) {
            throw new IllegalArgumentException("multipart_field_name is required with type multipart");
        }
        return new UploadOptions(url, headers(raw.get("extra_headers")), base64, fieldName,
                fileName == null || fileName.isEmpty() ? fieldName : fileName,
                partContentType == null || partContentType.isEmpty() ? "application/octet-stream" : partContentType,
                templateParts, flag(raw, "put_response_as_contents"), flag(raw, "write_response_to_metadata"),
                flag(raw, "use_streaming"));
    }

    /** Splits the format around its content actions; any other template action is refused, not sent as text. */
    private static List<String> templateParts(String format) {
        List<String> parts = new ArrayList<>();
        Matcher matcher = CONTENT_ACTION.matcher(format);
        int start = 0;
        while (matcher.find()) {
            parts.add(format.substring(start, matcher.start()));
            start = matcher.end();
        }
        parts.add(format.substring(start));
        for (String part : parts) {
            int action = part.indexOf("{{");
            if (action >= 0) {
                throw new IllegalArgumentException("base64_body_format: only the action {{.Base64Contents}} is supported, found '"
                        + part.substring(action, Math.min(part.length(), action + 40)) + "'");
            }
        }
        return List.copyOf(parts);
    }

    private static Map<String, String> headers(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("extra_headers must be an object of header names and values, was " + value);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            Object headerValue = entry.getValue();
            if (headerValue instanceof Map<?, ?> || headerValue instanceof List<?>) {
                throw new IllegalArgumentException("extra_headers: the value of '" + entry.getKey() + "' must be text, was "
                        + headerValue);
            }
            headers.put(String.valueOf(entry.getKey()), headerValue == null ? "" : String.valueOf(headerValue));
        }
        return Collections.unmodifiableMap(headers);
    }

    private static String text(Map<String, Object> raw, String key) {
        Object value = raw.get(key);
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw new IllegalArgumentException(key + " must be text, was " + value);
        }
        return value == null ? null : String.valueOf(value);
    }

    private static boolean flag(Map<String, Object> raw, String key) {
        Object value = raw.get(key);
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        String text = String.valueOf(value).trim();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(key + " must be true or false, was '" + value + "'");
    }
}
