package streamline.flow.jpa;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.jpa.support.Database;
import streamline.jpa.support.DatabasePassword;
import streamline.jpa.support.OpenedStore;

/**
 * The JPA flow store as a service: it owns the EntityManagerFactory, created on activation (which
 * creates the schema on first start) and closed on deactivation, with the embedded database shut down.
 */
@Component(service = FlowManager.class, configurationPid = "streamline.flow.jpa", immediate = true)
@Designate(ocd = JpaFlowStoreConfig.class)
public class JpaFlowStoreComponent implements FlowManager {

    private static final Logger LOG = LogManager.getLogger(JpaFlowStoreComponent.class);

    private final OpenedStore<JpaFlowManager> opened;
    private final JpaFlowManager store;

    /**
     * @param driver the JDBC driver for a database other than embedded Derby (any bundle registering a
     *        DataSourceFactory; {@code dataSourceFactory.target} chooses among several)
     */
    @Activate
    public JpaFlowStoreComponent(JpaFlowStoreConfig config, BundleContext context, Map<String, Object> properties,
            @Reference(name = "dataSourceFactory", cardinality = ReferenceCardinality.OPTIONAL,
                    policyOption = ReferencePolicyOption.GREEDY) DataSourceFactory driver) {
        if (properties.containsKey("password")) {
            // a public property is a service property: scr:info and every service listing would show it
            throw new IllegalArgumentException("configuration streamline.flow.jpa: key 'password' refused: give the password as '.password', a private"
                    + " property that is never published with the service");
        }
        if (config.cache_size() < 0 || config.cache_expiry_seconds() < 0) {
            throw new IllegalArgumentException("invalid configuration of streamline.flow.jpa: cache.size and"
                    + " cache.expiry.seconds must be >= 0, were " + config.cache_size() + " and " + config.cache_expiry_seconds());
        }
        Database database = Database.open(config.jdbc_url(), config.user(), password(config, StreamlineHome.of(context::getProperty)), config.pool_size(), driver,
                "streamline.flow.jpa", StreamlineHome.of(context::getProperty));
        this.opened = OpenedStore.open(database,
                db -> JpaFlowManager.createFactory(db.dataSource(), config.pool_size(), context.getBundle().getEntry("/"),
                        db.targetDatabase()),
                factory -> new JpaFlowManager(factory, config.cache_size(), Duration.ofSeconds(config.cache_expiry_seconds())),
                "the flow store");
        this.store = opened.store();
        LOG.info("JPA flow store open at {}", database.displayUrl());
    }

    /** The password: the first line of {@code password.file} when set (so that no listing shows it), else {@code .password}. */
    static String password(JpaFlowStoreConfig config, String home) {
        return DatabasePassword.of("streamline.flow.jpa", config._password(), config.password_file(), home);
    }

    @Deactivate
    void deactivate() {
        opened.close();
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
