package streamline.jpa.support;

/**
 * The descriptions of the database settings every JPA component's configuration has (its metatype):
 * one text, so that the components describe the same key the same way.
 */
public final class DatabaseConfigTexts {

    public static final String JDBC_URL_NAME = "JDBC URL";
    public static final String JDBC_URL = "The database. jdbc:derby:<path> is an embedded Derby database; a relative path"
            + " lies under <streamline.home>/data/derby (Derby's system home). Append ;create=true to create it, and any"
            + " further Derby attributes (;dataEncryption=true;bootPassword=...) as Derby documents them. Any other URL"
            + " (jdbc:h2:..., jdbc:postgresql://...) needs its driver bundle, which registers an OSGi DataSourceFactory.";
    public static final String DRIVER_NAME = "JDBC driver";
    public static final String DRIVER = "Chooses the JDBC driver when several driver bundles are installed, e.g."
            + " (osgi.jdbc.driver.class=org.postgresql.Driver); unused for embedded Derby.";
    public static final String USER_NAME = "User";
    public static final String USER = "Database user; empty for none.";
    public static final String PASSWORD_NAME = "Password";
    public static final String PASSWORD = "Database password; empty for none.";
    public static final String POOL_SIZE_NAME = "Pool size";
    public static final String POOL_SIZE = "The most database connections kept open.";
    public static final String ANY_DRIVER = "(osgi.jdbc.driver.class=*)";

    private DatabaseConfigTexts() {
    }
}
