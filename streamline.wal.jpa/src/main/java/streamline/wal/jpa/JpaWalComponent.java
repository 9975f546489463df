package streamline.wal.jpa;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * The JPA write-ahead log as a service: owns the EntityManagerFactory and the log (opened on
 * activation, closed on deactivation, with the embedded database shut down so its files are released).
 */
@Component(service = WriteAheadLog.class, configurationPid = "streamline.wal.jpa", immediate = true)
@Designate(ocd = JpaWalConfig.class)
public class JpaWalComponent implements WriteAheadLog {

    private static final Logger LOG = LogManager.getLogger(JpaWalComponent.class);

    private final EmbeddedDataSource dataSource;
    private final EntityManagerFactory factory;
    private final JpaWriteAheadLog log;

    @Activate
    public JpaWalComponent(JpaWalConfig config, BundleContext context) {
        String home = context.getProperty("streamline.home");
        if (System.getProperty("derby.system.home") == null && home != null && !home.isBlank()) {
            // Derby keeps databases and derby.log under its system home: the Streamline home's data/derby folder
            System.setProperty("derby.system.home", Path.of(home, "data", "derby").toAbsolutePath().toString());
        }
        this.dataSource = embeddedDerby(config);
        this.factory = WalPersistenceUnit.createFactory(dataSource, "org.eclipse.persistence.platform.database.DerbyPlatform",
                config.pool_size(), context.getBundle().getEntry("/"));
        try {
            this.log = new JpaWriteAheadLog(factory, Duration.ofSeconds(config.compaction_interval_seconds()));
        } catch (RuntimeException e) {
            factory.close();
            throw new IllegalStateException("cannot open the write-ahead log at " + config.jdbc_url() + ": " + e.getMessage(), e);
        }
        LOG.info("JPA write-ahead log open at {}", config.jdbc_url());
    }

    private static EmbeddedDataSource embeddedDerby(JpaWalConfig config) {
        String url = config.jdbc_url().trim();
        if (!url.startsWith("jdbc:derby:") || url.startsWith("jdbc:derby://")) {
            throw new IllegalArgumentException("invalid configuration of streamline.wal.jpa: jdbc.url '" + url
                    + "' is not an embedded Derby URL (jdbc:derby:<path>[;create=true]); other databases are not supported yet");
        }
        String[] parts = url.substring("jdbc:derby:".length()).split(";");
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].equalsIgnoreCase("create=true")) {
                dataSource.setCreateDatabase("create");
            } else if (!parts[i].isBlank()) {
                dataSource.setConnectionAttributes(parts[i]);
            }
        }
        if (!config.user().isEmpty()) {
            dataSource.setUser(config.user());
            dataSource.setPassword(config.password());
        }
        return dataSource;
    }

    @Deactivate
    void deactivate() {
        log.close();
        factory.close();
        EmbeddedDataSource shutdown = new EmbeddedDataSource();
        shutdown.setDatabaseName(dataSource.getDatabaseName());
        shutdown.setShutdownDatabase("shutdown");
        try (java.sql.Connection ignored = shutdown.getConnection()) {
            LOG.warn("Derby database {} did not report its shutdown", dataSource.getDatabaseName());
        } catch (java.sql.SQLException e) {
            if (!"08006".equals(e.getSQLState())) { // 08006: the database shut down, as asked
                LOG.warn("cannot shut down Derby database {}", dataSource.getDatabaseName(), e);
            }
        }
    }

    @Override public long append(LogEntry entry) throws WriteAheadLogException { return log.append(entry); }
    @Override public long appendAll(List<LogEntry> entries) throws WriteAheadLogException { return log.appendAll(entries); }
    @Override public List<LogEntry> entries() throws WriteAheadLogException { return log.entries(); }
    @Override public List<LogEntry> liveEntries() throws WriteAheadLogException { return log.liveEntries(); }
    @Override public List<LogEntry> unfinishedSteps() throws WriteAheadLogException { return log.unfinishedSteps(); }

    /** Refused: the component owns the log and closes it on deactivation; other users share it. */
    @Override
    public void close() throws WriteAheadLogException {
        throw new WriteAheadLogException("the JPA write-ahead log service is closed by its component, not by a consumer");
    }
}
