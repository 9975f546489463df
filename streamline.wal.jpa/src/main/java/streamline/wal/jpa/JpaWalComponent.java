package streamline.wal.jpa;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.jdbc.DataSourceFactory;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.engine.StreamlineHome;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;
import streamline.jpa.support.Database;
import streamline.jpa.support.DatabasePassword;
import streamline.jpa.support.OpenedStore;

/**
 * The JPA write-ahead log as a service: owns the EntityManagerFactory and the log (opened on
 * activation, closed on deactivation, with the embedded database shut down so its files are released).
 * Delayed: the database is opened only when a consumer uses this log (the file log is the default),
 * which keeps it out of every start.
 */
@Component(service = WriteAheadLog.class, configurationPid = "streamline.wal.jpa")
@Designate(ocd = JpaWalConfig.class)
public class JpaWalComponent implements WriteAheadLog {

    private static final Logger LOG = LogManager.getLogger(JpaWalComponent.class);

    private final OpenedStore<JpaWriteAheadLog> opened;
    private final JpaWriteAheadLog log;

    /**
     * @param driver the JDBC driver for a database other than embedded Derby (any bundle registering a
     *        DataSourceFactory; {@code dataSourceFactory.target} chooses among several)
     */
    @Activate
    public JpaWalComponent(JpaWalConfig config, BundleContext context, Map<String, Object> properties,
            @Reference(name = "dataSourceFactory", cardinality = ReferenceCardinality.OPTIONAL,
                    policyOption = ReferencePolicyOption.GREEDY) DataSourceFactory driver) {
        if (properties.containsKey("password")) {
            // a public property is a service property: scr:info and every service listing would show it
            throw new IllegalArgumentException("configuration streamline.wal.jpa: key 'password' refused: give the password as '.password', a private"
                    + " property that is never published with the service");
        }
        Database database = Database.open(config.jdbc_url(), config.user(), password(config, StreamlineHome.of(context::getProperty)), config.pool_size(), driver,
                "streamline.wal.jpa", StreamlineHome.of(context::getProperty));
        this.opened = OpenedStore.open(database,
                db -> JpaWriteAheadLog.createFactory(db.dataSource(), config.pool_size(), context.getBundle().getEntry("/"),
                        db.targetDatabase()),
                factory -> new JpaWriteAheadLog(factory, Duration.ofSeconds(config.compaction_interval_seconds())),
                "the write-ahead log");
        this.log = opened.store();
        LOG.info("JPA write-ahead log open at {}", database.displayUrl());
    }

    /** The password: the first line of {@code password.file} when set (so that no listing shows it), else {@code .password}. */
    static String password(JpaWalConfig config, String home) {
        return DatabasePassword.of("streamline.wal.jpa", config._password(), config.password_file(), home);
    }

    @Deactivate
    void deactivate() {
        opened.close();
    }

    @Override public long append(LogEntry entry) throws WriteAheadLogException { return log.append(entry); }
    @Override public long appendAll(List<LogEntry> entries) throws WriteAheadLogException { return log.appendAll(entries); }
    @Override public CompletionStage<Void> whenDurable(long sequence) { return log.whenDurable(sequence); }
    @Override public List<LogEntry> entries() throws WriteAheadLogException { return log.entries(); }
    @Override public List<LogEntry> liveEntries() throws WriteAheadLogException { return log.liveEntries(); }
}
