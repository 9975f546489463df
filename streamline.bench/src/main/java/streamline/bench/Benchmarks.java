package streamline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;

import org.apache.derby.jdbc.EmbeddedDataSource;


/** Helpers the benchmarks share. */
final class Benchmarks {

    private Benchmarks() {
    }

    /**
     * A new directory for one benchmark's files, under {@code -Dstreamline.bench.dir} if given, else the
     * temporary directory. It must be on a real disk: fsync on tmpfs does nothing.
     */
    static Path newDirectory(String name) throws IOException {
        String parent = System.getProperty("streamline.bench.dir");
        if (parent == null) {
            return Files.createTempDirectory("streamline-bench-" + name + "-");
        }
        return Files.createTempDirectory(Files.createDirectories(Path.of(parent)), name + "-");
    }

    /** An embedded Derby database in {@code directory}, created on first use. */
    static EmbeddedDataSource derby(Path directory) {
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(directory.resolve("db").toString());
        dataSource.setCreateDatabase("create");
        return dataSource;
    }

    static void shutDown(EmbeddedDataSource database) {
        EmbeddedDataSource shutdown = new EmbeddedDataSource();
        shutdown.setDatabaseName(database.getDatabaseName());
        shutdown.setShutdownDatabase("shutdown");
        try (Connection ignored = shutdown.getConnection()) {
            // Derby reports a shutdown with an exception
        } catch (SQLException expected) {
            // 08006: shut down
        }
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
