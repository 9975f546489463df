package streamline.wal.jpa;

import java.time.Duration;
import java.util.List;

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
import streamline.jpa.support.EmbeddedDerby;

/**
 * The JPA write-ahead log as a service: owns the EntityManagerFactory and the log (opened on
 * activation, closed on deactivation, with the embedded database shut down so its files are released).
 */
@Component(service = WriteAheadLog.class, configurationPid = "streamline.wal.jpa", immediate = true)
@Designate(ocd = JpaWalConfig.class)
public class JpaWalComponent implements WriteAheadLog {

    private static final Logger LOG = LogManager.getLogger(JpaWalComponent.class);

    private final EmbeddedDerby database;
    private final EntityManagerFactory factory;
    private final JpaWriteAheadLog log;

    @Activate
    public JpaWalComponent(JpaWalConfig config, BundleContext context) {
        EmbeddedDerby.useStreamlineHome(context.getProperty("streamline.home"));
        this.database = EmbeddedDerby.fromUrl(config.jdbc_url(), config.user(), config.password(), "streamline.wal.jpa");
        this.factory = JpaWriteAheadLog.createFactory(database.pooledDataSource(config.pool_size()), config.pool_size(),
                context.getBundle().getEntry("/"));
        try {
            this.log = new JpaWriteAheadLog(factory, Duration.ofSeconds(config.compaction_interval_seconds()));
        } catch (RuntimeException e) {
            factory.close();
            throw new IllegalStateException("cannot open the write-ahead log at " + config.jdbc_url() + ": " + e.getMessage(), e);
        }
        LOG.info("JPA write-ahead log open at {}", config.jdbc_url());
    }

    @Deactivate
    void deactivate() {
        log.close();
        factory.close();
        database.shutDown();
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
