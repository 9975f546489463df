package streamline.flow.jpa;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;

/**
 * The JPA flow store as a service: it owns the EntityManagerFactory, created on activation (which
 * creates the schema on first start) and closed on deactivation.
 */
@Component(service = FlowManager.class, configurationPid = "streamline.flow.jpa", immediate = true)
@Designate(ocd = JpaFlowStoreConfig.class)
public class JpaFlowStoreComponent implements FlowManager {

    private static final Logger LOG = LogManager.getLogger(JpaFlowStoreComponent.class);
    static final String DERBY = "org.eclipse.persistence.platform.database.DerbyPlatform";

    private final EntityManagerFactory factory;
    private final JpaFlowManager store;
    private final EmbeddedDataSource dataSource;

    @Activate
    public JpaFlowStoreComponent(JpaFlowStoreConfig config, BundleContext context) {
        useDerbyHome(context.getProperty("streamline.home"));
        this.dataSource = dataSource(config);
        URL root = context.getBundle().getEntry("/");
        this.factory = FlowPersistenceUnit.createFactory(dataSource, DERBY, config.pool_size(), root);
        try {
            this.store = new JpaFlowManager(factory, config.cache_size(), Duration.ofSeconds(config.cache_expiry_seconds()));
        } catch (RuntimeException e) {
            factory.close();
            throw new IllegalStateException("cannot open the flow store at " + config.jdbc_url() + ": " + e.getMessage(), e);
        }
        LOG.info("JPA flow store open at {}", config.jdbc_url());
    }

    /** Derby puts its databases and derby.log under its system home: the Streamline home's data/derby folder, unless set. */
    private static void useDerbyHome(String home) {
        if (System.getProperty("derby.system.home") == null && home != null && !home.isBlank()) {
            System.setProperty("derby.system.home", Path.of(home, "data", "derby").toAbsolutePath().toString());
        }
    }

    static EmbeddedDataSource dataSource(JpaFlowStoreConfig config) {
        String url = config.jdbc_url().trim();
        if (!url.startsWith("jdbc:derby:") || url.startsWith("jdbc:derby://")) {
            throw new IllegalArgumentException("invalid configuration of streamline.flow.jpa: jdbc.url '" + url
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
        factory.close();
        shutDownDatabase();
    }

    /**
     * Closes the embedded database, so that its files are released (another framework in this JVM,
     * or the next start, can open them) and nothing is left to recover.
     */
    private void shutDownDatabase() {
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

    @Override public List<ProcessorDefinition> firstProcessors(UUID flowId) throws FlowStoreException { return store.firstProcessors(flowId); }
    @Override public List<ProcessorDefinition> processors(UUID flowId) throws FlowStoreException { return store.processors(flowId); }
    @Override public List<TriggerDefinition> triggers(UUID flowId) throws FlowStoreException { return store.triggers(flowId); }
    @Override public List<ProcessorDefinition> processorsByIds(Collection<UUID> ids) throws FlowStoreException { return store.processorsByIds(ids); }
    @Override public Page<FlowDefinition> listFlows(PageRequest page, Instant since) throws FlowStoreException { return store.listFlows(page, since); }
    @Override public FlowDefinition flow(UUID flowId) throws FlowStoreException { return store.flow(flowId); }
    @Override public ProcessorDefinition processor(UUID flowId, UUID processorId) throws FlowStoreException { return store.processor(flowId, processorId); }
    @Override public FlowDefinition addProcessorBefore(UUID flowId, ProcessorDefinition p, UUID ref) throws FlowStoreException { return store.addProcessorBefore(flowId, p, ref); }
    @Override public FlowDefinition addProcessorAfter(UUID flowId, ProcessorDefinition p, UUID ref) throws FlowStoreException { return store.addProcessorAfter(flowId, p, ref); }
    @Override public FlowDefinition save(FlowDefinition flow) throws FlowStoreException { return store.save(flow); }
    @Override public Map<UUID, Instant> lastUpdateTimes(Collection<UUID> flowIds) throws FlowStoreException { return store.lastUpdateTimes(flowIds); }
    @Override public FlowDefinition setActive(UUID flowId, boolean active) throws FlowStoreException { return store.setActive(flowId, active); }
}
