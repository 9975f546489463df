package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * 64 MiB uploaded by a JVM whose heap is 32 MiB: the content is streamed from the session's content to the server,
 * never held whole (a processor that held it would end in an {@code OutOfMemoryError}).
 */
class UploadHTTPLargeContentTest {

    private static final long SIZE = 64L * 1024 * 1024;

    @TempDir
    Path folder;

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"multipart, counted", "multipart, streaming", "base64, streaming", "base64, counted"})
    void largeContentIsStreamedWithASmallHeap(String type, String mode) throws Exception {
        Path log = folder.resolve("child.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), LargeUploadChild.class.getName(),
                String.valueOf(SIZE), type, mode).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = child.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            child.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(ended, "the child did not end: " + output);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.startsWith("OK "), output);
        if (mode.equals("counted")) {
            assertTrue(!output.strip().endsWith("null"), "a counted upload sends its length: " + output);
        } else {
            assertTrue(output.strip().endsWith("null"), "a streamed upload is chunked: " + output);
        }
    }
}
