package streamline.jpa.support;

import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Pattern;

import javax.sql.ConnectionPoolDataSource;
import javax.sql.DataSource;

import org.osgi.service.jdbc.DataSourceFactory;

/**
 * The database a JPA bundle's configuration names: embedded Derby for a {@code jdbc:derby:<path>}
 * URL (the default, nothing else needed), or any database whose JDBC driver bundle registers an
 * OSGi {@link DataSourceFactory} (H2, PostgreSQL, Derby's network client, …), reached through that
 * factory, never through DriverManager. Either way its connections are pooled.
 */
public final class Database implements AutoCloseable {

    private static final Pattern SECRET_ATTRIBUTE =
            Pattern.compile("(?i)([;?&:][^;?&=:/]*(?:password|secret|key)[^;?&=]*=)[^;&]*");

    private final String url;
    private final EmbeddedDerby derby;
    private final PooledDataSource pool;
    private final String targetDatabase;

    private Database(String url, EmbeddedDerby derby, PooledDataSource pool, String targetDatabase) {
        this.url = url;
        this.derby = derby;
        this.pool = pool;
        this.targetDatabase = targetDatabase;
    }

    /**
     * @param driver the JDBC driver's factory, {@code null} when none is bound (enough for embedded Derby)
     * @param pid the configuration these values come from, for error messages
     * @param home the Streamline home (embedded Derby keeps its databases under it)
     * @throws IllegalArgumentException if the configuration cannot work, saying why and what to do
     */
    public static Database open(String url, String user, String password, int poolSize, DataSourceFactory driver, String pid,
            String home) {
        String trimmed = url.trim();
        if (EmbeddedDerby.isEmbeddedUrl(trimmed)) {
            EmbeddedDerby.useStreamlineHome(home);
            EmbeddedDerby derby = EmbeddedDerby.fromUrl(trimmed, user, password, pid);
            return new Database(trimmed, derby, derby.pooledDataSource(poolSize), CodePersistenceUnit.DERBY);
        }
        if (driver == null) {
            throw new IllegalArgumentException("invalid configuration of " + pid + ": jdbc.url '" + redacted(trimmed)
                    + "' is not an embedded Derby database, and no JDBC driver is available for it: install a driver bundle"
                    + " that registers an org.osgi.service.jdbc.DataSourceFactory (H2, PostgreSQL, …) and, when several are"
                    + " installed, choose one with dataSourceFactory.target=(osgi.jdbc.driver.class=<its driver class>)");
        }
        Properties properties = new Properties();
        properties.setProperty(DataSourceFactory.JDBC_URL, trimmed);
        if (!user.isEmpty()) {
            properties.setProperty(DataSourceFactory.JDBC_USER, user);
            properties.setProperty(DataSourceFactory.JDBC_PASSWORD, password);
        }
        ConnectionPoolDataSource connections;
        try {
            connections = driver.createConnectionPoolDataSource(properties);
        } catch (SQLException | RuntimeException e) {
            throw new IllegalArgumentException("invalid configuration of " + pid + ": the JDBC driver cannot reach '" + redacted(trimmed)
                    + "': " + e.getMessage(), e);
        }
        // EclipseLink finds the database's platform from the connection's metadata
        return new Database(trimmed, null, new PooledDataSource(connections, poolSize), null);
    }

    public DataSource dataSource() {
        return pool;
    }

    /** The EclipseLink platform to use, or {@code null} to let EclipseLink find it. */
    public String targetDatabase() {
        return targetDatabase;
    }

    public String url() {
        return url;
    }

    /** The URL as it may be logged or shown: {@link #redacted(String)}. */
    public String displayUrl() {
        return redacted(url);
    }

    /**
     * A JDBC URL with the values of its secret attributes replaced by {@code ***}: any attribute or
     * query parameter whose name mentions a password, secret or key (Derby's {@code bootPassword},
     * PostgreSQL's {@code password}, ...), so that logs and error messages never carry them.
     */
    public static String redacted(String url) {
        return SECRET_ATTRIBUTE.matcher(url).replaceAll("$1***");
    }

    /** Closes the pool; an embedded Derby database is shut down too, releasing its files. */
    @Override
    public void close() {
        if (derby != null) {
            derby.shutDown();
        } else {
            pool.close();
        }
    }
}
