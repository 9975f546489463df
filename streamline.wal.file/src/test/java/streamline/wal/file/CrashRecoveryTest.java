package streamline.wal.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.api.wal.LogEntry;

/**
 * Kills a process that appends durably (SIGKILL, at random moments, repeatedly on the same
 * directory) and checks after each kill that everything it acknowledged is recovered.
 */
class CrashRecoveryTest {

    @TempDir
    Path directory;

    @Test
    void everyAcknowledgedEntrySurvivesSigkill() throws Exception {
        Random random = new Random(20261128L);
        Map<Long, UUID> acknowledgedLive = new HashMap<>();
        Set<UUID> finishing = new HashSet<>();
        Set<UUID> finished = new HashSet<>();
        int total = 0;
        for (int round = 0; round < 5; round++) {
            Path stderr = directory.resolveSibling(directory.getFileName() + "-stderr-" + round + ".log");
            // the child's output goes to a file, not a pipe: a pipe's unread bytes can be lost when the
            // JDK closes it after the process died, and every line written before the kill must count
            Path stdout = directory.resolveSibling(directory.getFileName() + "-stdout-" + round + ".log");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), CrashAppender.class.getName(),
                    directory.resolve("wal").toString(), "4")
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            long killAfterMs = 150 + random.nextInt(600);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.size(stdout) < 50 * 60 && System.nanoTime() < deadline && child.isAlive()) {
                child.waitFor(5, TimeUnit.MILLISECONDS);
            }
            if (!child.isAlive()) {
                fail("the appender died by itself: " + Files.readString(stderr));
            }
            child.waitFor(killAfterMs, TimeUnit.MILLISECONDS);
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            child.waitFor();
            List<String> lines = Files.readAllLines(stdout, StandardCharsets.UTF_8);
            {
                for (String line : lines) {
                    String[] parts = line.split(" ");
                    if (parts[0].equals("finishing") && parts.length == 2 && parts[1].length() == 36) {
                        finishing.add(UUID.fromString(parts[1]));
                    } else if (parts[0].equals("ack") && parts.length == 4 && parts[3].length() == 36) {
                        UUID session = UUID.fromString(parts[3]);
                        total++;
                        if (parts[1].equals("finished")) {
                            finished.add(session);
                        } else {
                            acknowledgedLive.put(Long.parseLong(parts[2]), session);
                        }
                    }
                }
            }
            try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory.resolve("wal")))) {
                Set<Long> live = new HashSet<>();
                Set<UUID> liveSessions = new HashSet<>();
                for (LogEntry e : log.liveEntries()) {
                    live.add(e.sequence());
                    liveSessions.add(e.sessionId());
                }
                for (Map.Entry<Long, UUID> ack : acknowledgedLive.entrySet()) {
                    if (!finishing.contains(ack.getValue())) {
                        if (!live.contains(ack.getKey())) {
                            fail("round " + round + ": acknowledged entry " + ack.getKey() + " of unfinished session "
                                    + ack.getValue() + " was lost; recovery: " + log.recoveryEvents() + "; files: "
                                    + listFiles(directory.resolve("wal")) + "; entries with that sequence: "
                                    + log.entries().stream().filter(e -> e.sequence() == ack.getKey())
                                            .map(e -> e.kind() + " " + e.sessionId()).toList()
                                    + "; entries of the session: " + log.entries().stream()
                                            .filter(e -> e.sessionId().equals(ack.getValue()))
                                            .map(e -> e.sequence() + " " + e.kind()).toList());
                        }
                    }
                }
                for (UUID session : finished) {
                    assertTrue(!liveSessions.contains(session), "round " + round + ": finished session " + session + " came back");
                }
                for (LogEntry e : log.unfinishedSteps()) {
                    assertTrue(!finished.contains(e.sessionId()));
                }
            }
        }
        assertTrue(total > 250, "the child acknowledged too little to show anything: " + total);
        assertEquals(new HashSet<>(), intersection(finished, liveAfterReopen()));
    }

    private Set<UUID> liveAfterReopen() throws Exception {
        try (FileWriteAheadLog log = new FileWriteAheadLog(WalOptions.defaults(directory.resolve("wal")))) {
            Set<UUID> sessions = new HashSet<>();
            log.liveEntries().forEach(e -> sessions.add(e.sessionId()));
            return sessions;
        }
    }

    private static Set<UUID> intersection(Set<UUID> a, Set<UUID> b) {
        Set<UUID> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }

    private static List<String> listFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName() + ":" + f.toFile().length()).sorted().toList();
        }
    }

}
