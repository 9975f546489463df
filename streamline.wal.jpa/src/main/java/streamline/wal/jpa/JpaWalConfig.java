package streamline.wal.jpa;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = "streamline.wal.jpa", name = "Streamline JPA write-ahead log",
        description = "A write-ahead log in a database table through JPA (EclipseLink); embedded Derby by default.")
@interface JpaWalConfig {

    @AttributeDefinition(name = "JDBC URL",
            description = "The database. jdbc:derby:<path> is an embedded Derby database; a relative path lies under"
                    + " <streamline.home>/data/derby (Derby's system home). Append ;create=true to create it."
                    + " Any other URL (jdbc:h2:..., jdbc:postgresql://...) needs its driver bundle, which registers an OSGi"
                    + " DataSourceFactory.")
    String jdbc_url() default "jdbc:derby:wal;create=true";

    @AttributeDefinition(name = "JDBC driver", description = "Chooses the JDBC driver when several driver bundles are"
            + " installed, e.g. (osgi.jdbc.driver.class=org.postgresql.Driver); unused for embedded Derby.")
    String dataSourceFactory_target() default "(osgi.jdbc.driver.class=*)";

    @AttributeDefinition(name = "User", description = "Database user; empty for none.")
    String user() default "";

    @AttributeDefinition(name = "Password", description = "Database password; empty for none.", type = AttributeType.PASSWORD)
    String password() default "";

    @AttributeDefinition(name = "Pool size", description = "The most database connections kept open.", min = "1")
    int pool_size() default 8;

    @AttributeDefinition(name = "Compaction interval (s)",
            description = "How often the entries of finished sessions are deleted.", min = "1")
    long compaction_interval_seconds() default 30;

    @AttributeDefinition(name = "Service ranking", description = "Without a target filter, consumers take the highest-ranked write-ahead log.")
    int service_ranking() default 10;

    @AttributeDefinition(name = "Type", description = "The streamline.wal.type service property, for consumers' target filters.")
    String streamline_wal_type() default "jpa";
}
