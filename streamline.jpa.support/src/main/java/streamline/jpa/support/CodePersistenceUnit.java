package streamline.jpa.support;

import java.net.URL;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import javax.sql.DataSource;

import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import jakarta.persistence.Table;
import jakarta.persistence.ValidationMode;
import jakarta.persistence.spi.ClassTransformer;
import jakarta.persistence.spi.PersistenceUnitInfo;
import jakarta.persistence.spi.PersistenceUnitTransactionType;

import org.eclipse.persistence.jpa.JpaHelper;
import org.eclipse.persistence.jpa.PersistenceProvider;
import org.eclipse.persistence.tools.schemaframework.SchemaManager;

/**
 * A persistence unit described in code: inside OSGi there is no JPA container to read a
 * persistence.xml, so a bundle builds its EntityManagerFactory itself, on a DataSource, with its own
 * class loader (this class is embedded in each bundle, so its loader is the bundle's) and entity list.
 */
public final class CodePersistenceUnit implements PersistenceUnitInfo {

    /** The platform for embedded Derby. */
    public static final String DERBY = EmbeddedDerbyPlatform.class.getName();

    private final String name;
    private final List<String> entities;
    private final DataSource dataSource;
    private final URL root;

    private CodePersistenceUnit(String name, List<String> entities, DataSource dataSource, URL root) {
        this.name = name;
        this.entities = List.copyOf(entities);
        this.dataSource = dataSource;
        this.root = root;
    }

    /**
     * @param root the unit's root: the bundle's root entry inside OSGi, the code source outside
     * @param targetDatabase the EclipseLink platform, or {@code null} to detect it from the database
     * @param extra further EclipseLink properties
     * @param newColumns columns ({@code TABLE.COLUMN}) added since the first release: a table without one
     *        is extended on open
     */
    public static EntityManagerFactory createFactory(String name, List<Class<?>> entities, DataSource dataSource,
            int poolSize, URL root, String targetDatabase, Map<String, String> extra, List<String> newColumns) {
        Map<String, Object> properties = new HashMap<>(extra);
        properties.put("eclipselink.weaving", "false");
        // EclipseLink shares one deployed session among factories of the same unit name and root:
        // a second factory on another database would silently use the first one's
        properties.put("eclipselink.session-name", name + "-" + UUID.randomUUID());
        if (targetDatabase != null) {
            properties.put("eclipselink.target-database", targetDatabase);
        }
        properties.put("eclipselink.logging.level", "WARNING");
        properties.put("eclipselink.connection-pool.default.max", Integer.toString(poolSize));
        properties.put("eclipselink.cache.shared.default", "false"); // the stores keep their own caches, if any
        // The first connection boots the database (embedded Derby: about 0.4 s, 0.8 s when it creates it)
        // while EclipseLink reads the mappings (0.3 s) without one: side by side, on a thread that ends here.
        FutureTask<Boolean> schemaCheck = new FutureTask<>(() -> schemaReady(dataSource, entities, newColumns));
        Thread checker = new Thread(schemaCheck, "streamline-jpa-schema-check " + name);
        checker.setDaemon(true);
        checker.start();
        EntityManagerFactory factory;
        try {
            factory = new PersistenceProvider().createContainerEntityManagerFactory(
                    new CodePersistenceUnit(name, entities.stream().map(Class::getName).toList(), dataSource, root), properties);
        } catch (RuntimeException e) {
            awaitQuietly(checker);
            throw e;
        }
        try {
            if (!schemaCheck.get()) {
                // created, or extended by the columns a table lacks; only then: extending an existing schema
                // makes EclipseLink try (and log the failure of) every constraint again
                new SchemaManager(JpaHelper.getDatabaseSession(factory)).extendDefaultTables(true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            awaitQuietly(checker);
            factory.close();
            throw new IllegalStateException("interrupted while opening " + name, e);
        } catch (ExecutionException e) {
            factory.close();
            throw new IllegalStateException("cannot reach the database of " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (RuntimeException e) {
            factory.close();
            throw new IllegalStateException("cannot create or extend the tables of " + name + ": " + e.getMessage(), e);
        }
        return factory;
    }

    private static void awaitQuietly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether every entity's table is in the database (made by an earlier start) with each of
     * {@code newColumns} ({@code TABLE.COLUMN}); asked over one connection, the first, which boots an
     * embedded database. Names are looked up upper and lower case, as databases fold them either way.
     *
     * @throws SQLException if the database cannot be reached or read
     */
    static boolean schemaReady(DataSource dataSource, List<Class<?>> entities, List<String> newColumns) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData metadata = connection.getMetaData();
            for (Class<?> entity : entities) {
                Table table = entity.getAnnotation(Table.class);
                String name = table == null || table.name().isEmpty() ? entity.getSimpleName() : table.name();
                if (columns(metadata, name).isEmpty()) {
                    return false;
                }
            }
            for (String tableDotColumn : newColumns) {
                String table = tableDotColumn.substring(0, tableDotColumn.indexOf('.'));
                String column = tableDotColumn.substring(tableDotColumn.indexOf('.') + 1).toUpperCase(Locale.ROOT);
                if (!columns(metadata, table).contains(column)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The columns of {@code table}, upper case; none if there is no such table. */
    private static List<String> columns(DatabaseMetaData metadata, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        for (String name : List.of(table.toUpperCase(Locale.ROOT), table.toLowerCase(Locale.ROOT))) {
            try (ResultSet found = metadata.getColumns(null, null, name, null)) {
                while (found.next()) {
                    columns.add(found.getString("COLUMN_NAME").toUpperCase(Locale.ROOT));
                }
            }
            if (!columns.isEmpty()) {
                break;
            }
        }
        return columns;
    }

    /** Where a class was loaded from: the unit's root outside OSGi. */
    public static URL codeSource(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }

    @Override public String getPersistenceUnitName() { return name; }
    @Override public String getPersistenceProviderClassName() { return PersistenceProvider.class.getName(); }
    @Override public PersistenceUnitTransactionType getTransactionType() { return PersistenceUnitTransactionType.RESOURCE_LOCAL; }
    @Override public DataSource getJtaDataSource() { return null; }
    @Override public DataSource getNonJtaDataSource() { return dataSource; }
    @Override public List<String> getMappingFileNames() { return List.of(); }
    @Override public List<URL> getJarFileUrls() { return List.of(); }
    @Override public URL getPersistenceUnitRootUrl() { return root; }
    @Override public List<String> getManagedClassNames() { return entities; }
    @Override public boolean excludeUnlistedClasses() { return true; }
    @Override public SharedCacheMode getSharedCacheMode() { return SharedCacheMode.NONE; }
    @Override public ValidationMode getValidationMode() { return ValidationMode.NONE; }
    @Override public Properties getProperties() { return new Properties(); }
    @Override public String getPersistenceXMLSchemaVersion() { return "3.0"; }
    @Override public ClassLoader getClassLoader() { return CodePersistenceUnit.class.getClassLoader(); }
    @Override public void addTransformer(ClassTransformer transformer) { }
    @Override public ClassLoader getNewTempClassLoader() { return CodePersistenceUnit.class.getClassLoader(); }
}
