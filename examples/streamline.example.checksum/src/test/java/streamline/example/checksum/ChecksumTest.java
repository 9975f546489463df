package streamline.example.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import streamline.api.flow.InvalidFlowException;
import streamline.testkit.ProcessorHarness;

/** The processor runs without a framework or an engine, through the test kit's harness. */
class ChecksumTest {

    @Test
    void putsTheDigestOfTheContentIntoTheMetadataAndPassesTheContentOn() throws Exception {
        ProcessorHarness.Result result = ProcessorHarness.of(new Checksum()).content("hello").run();
        assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                result.output().metadata().get("Checksum.SHA-256"));
        assertEquals("hello", result.contentAsString());
    }

    @Test
    void theAlgorithmComesFromTheConfiguration() throws Exception {
        ProcessorHarness.Result result = ProcessorHarness.of(new Checksum()).config(Map.of("algorithm", "MD5")).content("hello").run();
        assertEquals("5d41402abc4b2a76b9719d911017c592", result.output().metadata().get("Checksum.MD5"));
    }

    @Test
    void anUnknownAlgorithmIsRefusedAtInit() {
        assertThrows(NoSuchAlgorithmException.class,
                () -> ProcessorHarness.of(new Checksum()).config(Map.of("algorithm", "NOPE-1")).run());
    }

    @Test
    void aListForTheAlgorithmIsRefusedBeforeInitAndAnUnknownKeyIsWarned() throws Exception {
        InvalidFlowException list = assertThrows(InvalidFlowException.class,
                () -> ProcessorHarness.of(new Checksum()).config(Map.of("algorithm", List.of("MD5"))).run());
        assertTrue(list.getMessage().contains("key 'algorithm' must be a text"), list.getMessage());
        ProcessorHarness.Result result = ProcessorHarness.of(new Checksum()).config(Map.of("algoritm", "MD5")).content("hello").run();
        assertTrue(result.output().metadata().containsKey("Checksum.SHA-256"), "the default applies");
        assertTrue(result.log().stream().anyMatch(line -> line.contains("'algoritm' is unknown")), result.log().toString());
    }
}
