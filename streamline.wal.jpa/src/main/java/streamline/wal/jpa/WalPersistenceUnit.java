package streamline.wal.jpa;

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
 * The log's persistence unit described in code (no JPA container inside OSGi). Bundles share no
 * implementation code, so the flow store has a twin of this class.
 */
final class WalPersistenceUnit implements PersistenceUnitInfo {

    private final DataSource dataSource;
    private final URL root;

    private WalPersistenceUnit(DataSource dataSource, URL root) {
        this.dataSource = dataSource;
        this.root = root;
    }

    static EntityManagerFactory createFactory(DataSource dataSource, String targetDatabase, int poolSize, URL root) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("eclipselink.weaving", "false");
        properties.put("eclipselink.target-database", targetDatabase);
        properties.put("eclipselink.ddl-generation", "create-or-extend-tables");
        properties.put("eclipselink.ddl-generation.output-mode", "database");
        properties.put("eclipselink.logging.level", "WARNING");
        properties.put("eclipselink.connection-pool.default.max", Integer.toString(poolSize));
        properties.put("eclipselink.cache.shared.default", "false");
        properties.put("eclipselink.jdbc.batch-writing", "JDBC"); // a group commit's inserts as one batch
        return new PersistenceProvider().createContainerEntityManagerFactory(new WalPersistenceUnit(dataSource, root), properties);
    }

    static URL codeSource() {
        return WalPersistenceUnit.class.getProtectionDomain().getCodeSource().getLocation();
    }

    @Override public String getPersistenceUnitName() { return "streamline.wal.jpa"; }
    @Override public String getPersistenceProviderClassName() { return PersistenceProvider.class.getName(); }
    @Override public PersistenceUnitTransactionType getTransactionType() { return PersistenceUnitTransactionType.RESOURCE_LOCAL; }
    @Override public DataSource getJtaDataSource() { return null; }
    @Override public DataSource getNonJtaDataSource() { return dataSource; }
    @Override public List<String> getMappingFileNames() { return List.of(); }
    @Override public List<URL> getJarFileUrls() { return List.of(); }
    @Override public URL getPersistenceUnitRootUrl() { return root; }
    @Override public List<String> getManagedClassNames() { return List.of(WalEntryEntity.class.getName()); }
    @Override public boolean excludeUnlistedClasses() { return true; }
    @Override public SharedCacheMode getSharedCacheMode() { return SharedCacheMode.NONE; }
    @Override public ValidationMode getValidationMode() { return ValidationMode.NONE; }
    @Override public Properties getProperties() { return new Properties(); }
    @Override public String getPersistenceXMLSchemaVersion() { return "3.0"; }
    @Override public ClassLoader getClassLoader() { return WalPersistenceUnit.class.getClassLoader(); }
    @Override public void addTransformer(ClassTransformer transformer) { }
    @Override public ClassLoader getNewTempClassLoader() { return WalPersistenceUnit.class.getClassLoader(); }
}
