package streamline.processors.standard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.testkit.Eventually;
import streamline.testkit.ProcessorHarness;

/** The attacks on {@code RunExecutable}: runaway processes, runaway output, another name for an allowed binary. */
class RunExecutableTest {

    @TempDir
    Path home;

    @Test
    void aTimeoutKillsTheProgramAndTheProcessesItStarted() throws Exception {
        Path sh = Path.of("/bin/sh").toRealPath();
        Path pidFile = home.resolve("grandchild.pid");
        // the child starts a grandchild that would outlive it, then outlives the timeout itself
        String script = "sleep 600 & echo $! > " + pidFile + "; sleep 600";
        IllegalStateException timedOut = assertThrows(IllegalStateException.class,
                () -> ProcessorHarness.of(new RunExecutable(home, List.of(sh.toString()), 1000))
                        .config(Map.of("executable", sh.toString(), "arguments", List.of("-c", script), "timeoutSeconds", "1"))
                        .run());
        assertTrue(timedOut.getMessage().matches(".*ran longer than 1 s and was killed, with [12] process(es)? it started"),
                timedOut.getMessage());
        long grandchild = Long.parseLong(Files.readString(pidFile).trim());
        Eventually.await("the grandchild killed too", Duration.ofSeconds(10),
                () -> ProcessHandle.of(grandchild).map(handle -> !handle.isAlive()).orElse(true));
    }

    @Test
    void outputIsBoundedWhileWrittenAndNothingGoesToTemporaryFiles() throws Exception {
        Path head = Path.of("/usr/bin/head").toRealPath();
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Set<Path> before = runFolders(tmp);
        // 200 MB of output against a limit of 1,000 bytes: kept in memory up to the limit, the rest read and dropped
        ProcessorHarness.Result result = ProcessorHarness.of(new RunExecutable(home, List.of(head.toString()), 1000))
                .config(Map.of("executable", head.toString(), "arguments", List.of("-c", "200000000", "/dev/zero"))).run();
        assertEquals(1000, ((String) result.output().metadata().get("RunExecutable.Output")).length());
        assertTrue(result.log().stream().anyMatch(line -> line.contains("wrote more than 1000 bytes to its standard output")),
                result.log().toString());
        assertEquals(before, runFolders(tmp), "no temporary folder is created, so none can be left by a crash");
    }

    private static Set<Path> runFolders(Path tmp) throws Exception {
        try (Stream<Path> listed = Files.list(tmp)) {
            return listed.filter(p -> p.getFileName().toString().startsWith("streamline-run-")).collect(Collectors.toSet());
        }
    }

    @Test
    void anAllowedBinaryRunsOnlyUnderTheNameItIsAllowedAs() throws Exception {
        // a multi-call binary acts on the name it is run as: allowed as "ls", it must not be run as "sh"
        Path env = Path.of("/usr/bin/env").toRealPath();
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path ls = Files.createSymbolicLink(bin.resolve("ls"), env);
        Path sh = Files.createSymbolicLink(bin.resolve("sh"), env);
        ProcessorHarness.Result listed = ProcessorHarness.of(new RunExecutable(home, List.of(ls.toString()), 1000))
                .config(Map.of("executable", ls.toString(), "arguments", List.of("echo", "ran"))).run();
        assertEquals("ran\n", listed.output().metadata().get("RunExecutable.Output"));
        assertTrue(listed.log().stream().anyMatch(line -> line.contains("multi-call binary")), listed.log().toString());

        IllegalArgumentException otherName = assertThrows(IllegalArgumentException.class,
                () -> ProcessorHarness.of(new RunExecutable(home, List.of(ls.toString()), 1000))
                        .config(Map.of("executable", sh.toString())).run());
        assertTrue(otherName.getMessage().contains("executable " + sh + " is not allowed"), otherName.getMessage());
        IllegalArgumentException byItsOwnName = assertThrows(IllegalArgumentException.class,
                () -> ProcessorHarness.of(new RunExecutable(home, List.of(ls.toString()), 1000))
                        .config(Map.of("executable", env.toString())).run());
        assertTrue(byItsOwnName.getMessage().contains("not allowed"), byItsOwnName.getMessage());

        // a link changed after the allow-list was read: refused until the operator allows it again
        RunExecutable readEarlier = new RunExecutable(home, List.of(ls.toString()), 1000);
        Files.delete(ls);
        Files.createSymbolicLink(ls, Path.of("/bin/sh").toRealPath());
        IllegalArgumentException relinked = assertThrows(IllegalArgumentException.class,
                () -> ProcessorHarness.of(readEarlier).config(Map.of("executable", ls.toString())).run());
        assertTrue(relinked.getMessage().contains("now resolves to"), relinked.getMessage());
        assertFalse(relinked.getMessage().contains("is not allowed"), relinked.getMessage());
    }
}
