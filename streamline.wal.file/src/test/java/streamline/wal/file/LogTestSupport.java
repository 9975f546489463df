package streamline.wal.file;

import static streamline.testkit.WriteAheadLogContract.started;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLogException;
import streamline.testkit.Eventually;

/** What the file log's tests share: a directory, entries to append, and listings of the log's files. */
abstract class LogTestSupport {

    @TempDir
    Path directory;

    final UUID flow = UUID.randomUUID();

    LogEntry anyStart() {
        return started(UUID.randomUUID(), flow, UUID.randomUUID(), 0, List.of(UUID.randomUUID(), UUID.randomUUID()));
    }

    WalOptions unsynced() {
        return WalOptions.defaults(directory).withSync(SyncPolicy.NEVER).withCheckpoints(0, Duration.ZERO);
    }

    List<Path> files(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }

    static List<LogEntry> plain(List<LogEntry> entries) {
        return entries.stream().map(e -> e.withSequence(0)).toList();
    }

    FileWriteAheadLog open(WalOptions options) throws WriteAheadLogException {
        return new FileWriteAheadLog(options);
    }

    /** Waits up to 10 s until the files named with this prefix meet the condition; their listing then. */
    List<Path> awaitFiles(String prefix, Predicate<List<Path>> condition) throws IOException {
        Eventually.await("files " + prefix + "* as expected", Duration.ofSeconds(10), () -> condition.test(listing(prefix)),
                () -> listing(prefix));
        return files(prefix);
    }

    List<Path> listing(String prefix) {
        try {
            return files(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Set<UUID> sessionsOf(List<LogEntry> entries) {
        Set<UUID> sessions = new HashSet<>();
        entries.forEach(e -> sessions.add(e.sessionId()));
        return sessions;
    }
}
