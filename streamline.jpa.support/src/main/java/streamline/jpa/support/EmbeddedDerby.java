package streamline.jpa.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.apache.derby.jdbc.EmbeddedConnectionPoolDataSource;
import org.apache.derby.jdbc.EmbeddedDataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** An embedded Derby database named by a JDBC URL: its DataSource, its home, its shutdown. */
public final class EmbeddedDerby {

    private static final Logger LOG = LogManager.getLogger(EmbeddedDerby.class);

    private final EmbeddedConnectionPoolDataSource dataSource;
    private final boolean create;
    private PooledDataSource pool;

    private EmbeddedDerby(EmbeddedConnectionPoolDataSource dataSource, boolean create) {
        this.dataSource = dataSource;
        this.create = create;
    }

    /** Whether a JDBC URL names an embedded Derby database ({@code jdbc:derby:<path>}, not {@code jdbc:derby://host}). */
    public static boolean isEmbeddedUrl(String url) {
        String trimmed = url.trim();
        return trimmed.startsWith("jdbc:derby:") && !trimmed.startsWith("jdbc:derby://");
    }

    /**
     * @param pid the configuration the URL comes from, for the error message
     * @throws IllegalArgumentException if the URL is not an embedded Derby URL
     */
    public static EmbeddedDerby fromUrl(String url, String user, String password, String pid) {
        String trimmed = url.trim();
        if (!isEmbeddedUrl(trimmed)) {
            throw new IllegalArgumentException("invalid configuration of " + pid + ": jdbc.url '" + Database.redacted(trimmed)
                    + "' is not an embedded Derby URL (jdbc:derby:<path>[;create=true])");
        }
        String[] parts = trimmed.substring("jdbc:derby:".length()).split(";");
        EmbeddedConnectionPoolDataSource dataSource = new EmbeddedConnectionPoolDataSource();
        dataSource.setDatabaseName(parts[0]);
        // every attribute is kept: set one at a time, only the last would survive (dataEncryption=true without
        // its bootPassword silently made an unencrypted database)
        List<String> attributes = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].equalsIgnoreCase("create=true")) {
                dataSource.setCreateDatabase("create");
            } else if (!parts[i].isBlank()) {
                attributes.add(parts[i].trim());
            }
        }
        if (!attributes.isEmpty()) {
            dataSource.setConnectionAttributes(String.join(";", attributes));
        }
        if (!user.isEmpty()) {
            dataSource.setUser(user);
            dataSource.setPassword(password);
        }
        return new EmbeddedDerby(dataSource, "create".equals(dataSource.getCreateDatabase()));
    }

    /**
     * Derby keeps databases and derby.log under its system home: make it the Streamline home's
     * data/derby folder, unless something set it already (it is read once, when Derby boots).
     */
    public static void useStreamlineHome(String home) {
        if (System.getProperty("derby.system.home") == null && home != null && !home.isBlank()) {
            System.setProperty("derby.system.home", Path.of(home, "data", "derby").toAbsolutePath().toString());
        }
    }

    /** The database's connections, pooled: at most {@code size} open at once. One pool per database. */
    public synchronized PooledDataSource pooledDataSource(int size) {
        if (pool == null) {
            if (create) {
                setAsideIncompleteCreation();
            }
            pool = new PooledDataSource(dataSource, size);
        }
        return pool;
    }

    /**
     * A process killed while Derby created the database leaves its folder without
     * {@code service.properties}, which Derby then refuses to open or to create again, for good. Such
     * a folder never held a usable database: it is moved aside (kept, not deleted) so the database is
     * created anew.
     */
    private void setAsideIncompleteCreation() {
        Path database = Path.of(dataSource.getDatabaseName());
        if (!database.isAbsolute()) {
            database = Path.of(System.getProperty("derby.system.home", System.getProperty("user.dir"))).resolve(database);
        }
        if (!Files.isDirectory(database) || Files.exists(database.resolve("service.properties"))) {
            return;
        }
        Path aside = database.resolveSibling(database.getFileName() + ".incomplete-" + System.currentTimeMillis());
        try {
            Files.move(database, aside);
            LOG.warn("Derby database {} was never completely created (its creation was interrupted); moved aside to {} and created anew",
                    database, aside);
        } catch (IOException e) {
            LOG.error("Derby database {} was never completely created, and could not be moved aside: {}", database, e.toString());
        }
    }

    /** Closes the database, releasing its files (for another framework in this JVM, or the next start). */
    public synchronized void shutDown() {
        if (pool != null) {
            pool.close();
        }
        EmbeddedDataSource shutdown = new EmbeddedDataSource();
        shutdown.setDatabaseName(dataSource.getDatabaseName());
        shutdown.setShutdownDatabase("shutdown");
        try (Connection ignored = shutdown.getConnection()) {
            LOG.warn("Derby database {} did not report its shutdown", dataSource.getDatabaseName());
        } catch (SQLException e) {
            if (!"08006".equals(e.getSQLState())) { // 08006: the database shut down, as asked
                LOG.warn("cannot shut down Derby database {}", dataSource.getDatabaseName(), e);
            }
        }
    }
}
