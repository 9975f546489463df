package streamline.example.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.StepUnavailableException;
import streamline.testkit.ProcessorHarness;

/** A checksum file that has not arrived is "not now"; one that does not match is a failure. */
class VerifyChecksumTest {

    private static final String HELLO_SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    @TempDir
    Path home;

    private ProcessorHarness harness() {
        return ProcessorHarness.of(new VerifyChecksum(home)).config(Map.of("directory", "sums", "name", "${name}"))
                .metadata(Map.of("name", "a.bin")).content("hello");
    }

    @Test
    void aChecksumFileNotArrivedYetSaysNotNowNamingTheFile() {
        StepUnavailableException notNow = assertThrows(StepUnavailableException.class, () -> harness().run());
        assertTrue(notNow.reason().contains("checksum file " + home.resolve("sums").resolve("a.bin.sha256") + " has not arrived yet"),
                notNow.reason());
    }

    @Test
    void onceTheChecksumFileIsThereAMatchingContentPassesOn() throws Exception {
        assertThrows(StepUnavailableException.class, () -> harness().run());
        Files.writeString(home.resolve("sums").resolve("a.bin.sha256"), HELLO_SHA256 + "  a.bin\n");
        ProcessorHarness.Result result = harness().run();
        assertEquals(true, result.output().metadata().get("VerifyChecksum.Verified"));
        assertEquals("hello", result.contentAsString());
    }

    @Test
    void aChecksumThatDoesNotMatchFailsTheStepInsteadOfWaiting() throws Exception {
        Files.createDirectories(home.resolve("sums"));
        Files.writeString(home.resolve("sums").resolve("a.bin.sha256"), "00" + HELLO_SHA256.substring(2) + "  a.bin\n");
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> harness().run());
        assertTrue(wrong.getMessage().startsWith("a.bin: SHA-256 is " + HELLO_SHA256), wrong.getMessage());
    }

    @Test
    void aDirectoryOutsideTheHomeIsRefusedAtInit() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> ProcessorHarness
                .of(new VerifyChecksum(home)).config(Map.of("directory", "../elsewhere", "name", "a.bin")).content("hello").run());
        assertTrue(refused.getMessage().contains("outside the home"), refused.getMessage());
    }

    @Test
    void aFlowWithoutTheRequiredNameIsRefusedBeforeInit() {
        InvalidFlowException refused = assertThrows(InvalidFlowException.class,
                () -> ProcessorHarness.of(new VerifyChecksum(home)).config(Map.of("directory", "sums")).content("hello").run());
        assertTrue(refused.getMessage().contains("key 'name' is required"), refused.getMessage());
        assertTrue(Files.notExists(home.resolve("sums")), "init, which makes the folder, was not called");
    }
}
