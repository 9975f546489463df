package streamline.jpa.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
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

    @Test
    void everyAttributeOfTheUrlIsKeptSoAnEncryptedDatabaseIsEncrypted() throws Exception {
        Path database = directory.resolve("secret");
        String url = "jdbc:derby:" + database + ";create=true;dataEncryption=true;bootPassword=correct-horse-battery";
        EmbeddedDerby derby = EmbeddedDerby.fromUrl(url, "", "", "streamline.flow.jpa");
        try (Connection connection = derby.pooledDataSource(2).getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("CREATE TABLE T (S VARCHAR(100))");
            sql.execute("INSERT INTO T VALUES ('plain-text-marker-4711')");
        } finally {
            derby.shutDown();
        }
        try (Stream<Path> files = Files.walk(database)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertFalse(bytes.contains("plain-text-marker-4711"), "the marker is stored in the clear in " + file);
            }
        }
        EmbeddedDerby withoutPassword = EmbeddedDerby.fromUrl("jdbc:derby:" + database, "", "", "streamline.flow.jpa");
        assertThrows(SQLException.class, () -> withoutPassword.pooledDataSource(1).getConnection().close(),
                "an encrypted database does not boot without its password");
        EmbeddedDerby again = EmbeddedDerby.fromUrl("jdbc:derby:" + database + ";bootPassword=correct-horse-battery", "", "", "x");
        try (Connection connection = again.pooledDataSource(1).getConnection(); Statement sql = connection.createStatement();
                ResultSet rows = sql.executeQuery("SELECT S FROM T")) {
            assertTrue(rows.next());
            assertEquals("plain-text-marker-4711", rows.getString(1));
        } finally {
            again.shutDown();
        }
    }
}
