package streamline.flow.jpa;

import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.sql.DataSource;

import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import jakarta.persistence.ValidationMode;
import jakarta.persistence.spi.ClassTransformer;
import jakarta.persistence.spi.PersistenceUnitInfo;
import jakarta.persistence.spi.PersistenceUnitTransactionType;

import org.eclipse.persistence.jpa.PersistenceProvider;

/**
 * The store's persistence unit, described in code: inside OSGi there is no JPA container to read a
 * persistence.xml, so the bundle builds its EntityManagerFactory itself, on a DataSource, with its own
 * class loader and entity list. Outside OSGi (tests, benchmarks) the same code runs on the class path.
 */
final class FlowPersistenceUnit implements PersistenceUnitInfo {

    static final List<String> ENTITIES = List.of(FlowEntity.class.getName(), ProcessorEntity.class.getName(),
            TriggerEntity.class.getName(), SchemaVersionEntity.class.getName());

    private final DataSource dataSource;
    private final URL root;

    private FlowPersistenceUnit(DataSource dataSource, URL root) {
        this.dataSource = dataSource;
        this.root = root;
    }

    /**
     * @param poolSize the most connections EclipseLink keeps open
     */
    static EntityManagerFactory createFactory(DataSource dataSource, String targetDatabase, int poolSize) {
        return createFactory(dataSource, targetDatabase, poolSize,
                FlowPersistenceUnit.class.getProtectionDomain().getCodeSource().getLocation());
    }

    /**
     * @param root the persistence unit's root: the bundle's root entry inside OSGi, where the code
     *        source is no plain URL
     */
    static EntityManagerFactory createFactory(DataSource dataSource, String targetDatabase, int poolSize, URL root) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("eclipselink.weaving", "false");
        properties.put("eclipselink.target-database", targetDatabase);
        properties.put("eclipselink.ddl-generation", "create-or-extend-tables");
        properties.put("eclipselink.ddl-generation.output-mode", "database");
        properties.put("eclipselink.logging.level", "WARNING");
        properties.put("eclipselink.connection-pool.default.max", Integer.toString(poolSize));
        properties.put("eclipselink.cache.shared.default", "false"); // our own cache, invalidated on commit
        return new PersistenceProvider().createContainerEntityManagerFactory(
                new FlowPersistenceUnit(dataSource, root), properties);
    }

    @Override public String getPersistenceUnitName() { return "streamline.flow.jpa"; }
    @Override public String getPersistenceProviderClassName() { return PersistenceProvider.class.getName(); }
    @Override public PersistenceUnitTransactionType getTransactionType() { return PersistenceUnitTransactionType.RESOURCE_LOCAL; }
    @Override public DataSource getJtaDataSource() { return null; }
    @Override public DataSource getNonJtaDataSource() { return dataSource; }
    @Override public List<String> getMappingFileNames() { return List.of(); }
    @Override public List<URL> getJarFileUrls() { return List.of(); }
    @Override public URL getPersistenceUnitRootUrl() { return root; }
    @Override public List<String> getManagedClassNames() { return ENTITIES; }
    @Override public boolean excludeUnlistedClasses() { return true; }
    @Override public SharedCacheMode getSharedCacheMode() { return SharedCacheMode.NONE; }
    @Override public ValidationMode getValidationMode() { return ValidationMode.NONE; }
    @Override public Properties getProperties() { return new Properties(); }
    @Override public String getPersistenceXMLSchemaVersion() { return "3.0"; }
    @Override public ClassLoader getClassLoader() { return FlowPersistenceUnit.class.getClassLoader(); }
    @Override public void addTransformer(ClassTransformer transformer) { }
    @Override public ClassLoader getNewTempClassLoader() { return FlowPersistenceUnit.class.getClassLoader(); }
}
