package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.processor.TriggerResult;
import streamline.testkit.ProcessorHarness;
import streamline.testkit.ProcessorHarness.TriggerHarness;

/** Run by the surefire execution {@code c-locale} of this module's pom, in a JVM started under {@code LC_ALL=C}. */
class FileNamesCLocaleTest {

    @TempDir
    Path home;

    @Test
    void underACLocaleNonAsciiNamesAreReadWrittenAndDeletedWithoutInvalidPathException() throws Exception {
        assertThrows(InvalidPathException.class, () -> Path.of("café"), "the JVM runs under a C locale, which encodes no non-ASCII name");
        Path inbox = Files.createDirectories(home.resolve("inbox"));
        Path latin1 = Path.of(URI.create(inbox.toUri().toASCIIString() + "caf%E9.txt"));
        Path utf8 = Path.of(URI.create(inbox.toUri().toASCIIString() + "caf%C3%A9.csv"));
        for (Path file : List.of(latin1, utf8)) {
            Files.writeString(file, "x");
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(10)));
        }
        TriggerHarness trigger = new TriggerHarness(new ReadDir(home), Map.of("input", "inbox")).init();
        List<TriggerResult> emitted = trigger.trigger(10);
        assertEquals(List.of("caf%E9.txt", "café.csv"), emitted.stream().map(item -> item.metadata().get("ReadDir.Name")).sorted().toList());
        trigger.started(emitted);
        for (TriggerResult item : emitted) {
            ProcessorHarness.of(new WriteFile(home)).config(Map.of("path", "outbox/${ReadDir.Name}")).metadata(item.metadata())
                    .content("x").run();
            trigger.sessionEnded(item.triggerMark(), "");
        }
        assertFalse(Files.exists(latin1) || Files.exists(utf8), "both deleted");
        assertEquals(List.of(), trigger.trigger(10));
        Path written = Path.of(URI.create(home.resolve("outbox").toUri().toASCIIString() + "caf%C3%A9.csv"));
        assertEquals("x", Files.readString(written), "written under the name's UTF-8 bytes");
        assertEquals("x", Files.readString(home.resolve("outbox/caf%E9.txt")));
    }
}
