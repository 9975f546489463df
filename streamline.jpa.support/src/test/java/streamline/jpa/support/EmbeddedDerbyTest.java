package streamline.jpa.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDerbyTest {

    @TempDir
    Path directory;

    @Test
    void aDatabaseWhoseCreationWasInterruptedIsSetAsideAndCreatedAnew() throws Exception {
        // what a kill during Derby's creation of a database leaves: its folder, without service.properties
        Path database = directory.resolve("wal");
        Files.createDirectories(database.resolve("seg0"));
        Files.writeString(database.resolve("seg0").resolve("c10.dat"), "half written");

        EmbeddedDerby derby = EmbeddedDerby.fromUrl("jdbc:derby:" + database + ";create=true", "", "", "streamline.wal.jpa");
        try (Connection connection = derby.pooledDataSource(2).getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("CREATE TABLE T (N INT)");
            sql.execute("INSERT INTO T VALUES (7)");
            try (ResultSet rows = sql.executeQuery("SELECT N FROM T")) {
                assertTrue(rows.next());
                assertEquals(7, rows.getInt(1));
            }
        } finally {
            derby.shutDown();
        }
        assertTrue(Files.exists(database.resolve("service.properties")), "created anew");
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> aside = files.filter(f -> f.getFileName().toString().startsWith("wal.incomplete-")).toList();
            assertEquals(1, aside.size(), "the incomplete folder is kept aside");
            assertEquals("half written", Files.readString(aside.get(0).resolve("seg0").resolve("c10.dat")));
        }
    }
}
