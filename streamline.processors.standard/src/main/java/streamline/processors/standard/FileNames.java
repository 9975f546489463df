package streamline.processors.standard;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Paths as the file system gives them, whatever the JVM's encoding ({@code sun.jnu.encoding}, from the locale): a
 * name is bytes, and not every name decodes (Latin-1 names from SMB shares and zips are not UTF-8; under a C locale
 * no non-ASCII name does). A path's text from {@link Path#toString()} is then lossy, and {@link Path#of(String, String...)}
 * refuses or changes it; a {@code file:} URI carries the bytes exactly ({@link Path#toUri()} escapes them and
 * {@link Path#of(URI)} turns the escapes back into those bytes).
 */
final class FileNames {

    private static final String URI_PREFIX = "file:";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** How Java turns names into bytes and back (from the locale at start). */
    private static final Charset NAMES = namesCharset();

    private FileNames() {
    }

    /**
     * A text that gives back exactly this path through {@link #path}: the absolute path as text when the JVM's
     * encoding carries it both ways (what a mark always was), otherwise its {@code file:} URI.
     */
    static String mark(Path file) {
        Path absolute = file.toAbsolutePath();
        String text = absolute.toString();
        return carries(absolute, text) ? text : absolute.toUri().toASCIIString();
    }

    /** Whether the JVM's encoding gives back the path's bytes from its text. */
    private static boolean carries(Path absolute, String text) {
        try {
            return Path.of(text).equals(absolute); // a path's equality compares its bytes
        } catch (InvalidPathException e) {
            return false; // the text does not even encode back
        }
    }

    private static Charset namesCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name()));
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    /** The path a {@link #mark} stands for, byte for byte. */
    static Path path(String mark) {
        if (mark.startsWith(URI_PREFIX)) {
            return Path.of(URI.create(mark));
        }
        return Path.of(mark);
    }

    /**
     * A readable form of the path for metadata and the log: its bytes read as UTF-8, every byte that is not part of
     * valid UTF-8 written as {@code %XX} (so {@code caf\xE9.txt} reads {@code caf%E9.txt}). Not for finding the file
     * again: a name may hold {@code %E9} itself.
     */
    static String readable(Path path) {
        Path absolute = path.toAbsolutePath();
        String text = absolute.toString();
        if (NAMES.equals(StandardCharsets.UTF_8) && carries(absolute, text)) {
            return text; // valid UTF-8 throughout
        }
        byte[] bytes = bytes(absolute);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length * 3 + 1);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                decoder.flush(out);
                break;
            }
            if (result.isError()) {
                for (int i = 0; i < result.length(); i++) {
                    int b = in.get() & 0xFF;
                    out.put('%').put(HEX[b >> 4]).put(HEX[b & 0xF]);
                }
            } else {
                throw new IllegalStateException("UTF-8 decoding of " + bytes.length + " bytes overflowed"); // sized for the worst case
            }
        }
        return out.flip().toString();
    }

    /** The readable form ({@link #readable}) of the path's last name. */
    static String readableName(Path path) {
        String readable = readable(path);
        return readable.substring(readable.lastIndexOf('/') + 1);
    }

    /** The path's absolute bytes, as the file system has them. */
    static byte[] bytes(Path path) {
        Path absolute = path.toAbsolutePath();
        String text = absolute.toString();
        if (carries(absolute, text)) {
            return text.getBytes(NAMES);
        }
        String raw = absolute.toUri().getRawPath();
        if (raw.length() > 1 && raw.endsWith("/")) {
            raw = raw.substring(0, raw.length() - 1); // toUri marks a folder so
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                bytes.write(Integer.parseInt(raw, i + 1, i + 3, 16));
                i += 2;
            } else {
                bytes.write(c); // the rest of a raw URI path is ASCII
            }
        }
        return bytes.toByteArray();
    }

    /** The path of these absolute bytes. */
    static Path ofBytes(byte[] absolute) {
        StringBuilder uri = new StringBuilder("file://");
        for (byte b : absolute) {
            int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "/-._~".indexOf(c) >= 0) {
                uri.append((char) c);
            } else {
                uri.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return Path.of(URI.create(uri.toString()));
    }

    /**
     * The path a configured or composed text names. Its characters become the name's bytes in the JVM's encoding, as
     * Java writes names; where that encoding cannot hold them (under a C locale any non-ASCII character), in UTF-8,
     * rather than refusing the path.
     */
    static Path of(String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            if (text.indexOf('\0') >= 0) {
                throw e;
            }
            try {
                return utf8(text);
            } catch (URISyntaxException | IllegalArgumentException notAPath) {
                InvalidPathException refused = new InvalidPathException(text, "not a path: " + notAPath.getMessage());
                refused.addSuppressed(e);
                throw refused;
            }
        }
    }

    /** The path whose bytes are the text's characters in UTF-8, whatever the JVM's encoding. */
    static Path utf8(String text) throws URISyntaxException {
        boolean absolute = text.startsWith("/");
        // the multi-argument constructor quotes what a path may not hold (a % too); toASCIIString escapes every
        // non-ASCII character as UTF-8; and file:/// (an empty authority), since Path.of(URI) reads any other form
        // through java.io.File, in the JVM's encoding
        Path utf8 = Path.of(URI.create("file://" + new URI(null, null, absolute ? text : "/" + text, null).toASCIIString()));
        return absolute ? utf8 : utf8.getRoot().relativize(utf8);
    }
}
