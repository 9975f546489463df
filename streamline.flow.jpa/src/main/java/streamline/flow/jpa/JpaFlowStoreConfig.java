package streamline.flow.jpa;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = "streamline.flow.jpa", name = "Streamline JPA flow store",
        description = "Keeps flow definitions in a database through JPA (EclipseLink); embedded Derby by default.")
@interface JpaFlowStoreConfig {

    @AttributeDefinition(name = "JDBC URL",
            description = "The database. jdbc:derby:<path> is an embedded Derby database; a relative path lies under"
                    + " <streamline.home>/data/derby (Derby's system home). Append ;create=true to create it."
                    + " Any other URL (jdbc:h2:..., jdbc:postgresql://...) needs its driver bundle, which registers an OSGi"
                    + " DataSourceFactory.")
    String jdbc_url() default "jdbc:derby:flows;create=true";

    @AttributeDefinition(name = "JDBC driver", description = "Chooses the JDBC driver when several driver bundles are"
            + " installed, e.g. (osgi.jdbc.driver.class=org.postgresql.Driver); unused for embedded Derby.")
    String dataSourceFactory_target() default "(osgi.jdbc.driver.class=*)";

    @AttributeDefinition(name = "User", description = "Database user; empty for none.")
    String user() default "";

    @AttributeDefinition(name = "Password", description = "Database password; empty for none.", type = AttributeType.PASSWORD)
    String password() default "";

    @AttributeDefinition(name = "Pool size", description = "The most database connections kept open.", min = "1")
    int pool_size() default 8;

    @AttributeDefinition(name = "Cache size", description = "How many flows the read cache holds; 0: no cache, every read"
            + " goes to the database (and checks its consistency there).", min = "0")
    long cache_size() default 10_000;

    @AttributeDefinition(name = "Cache expiry (s)", description = "A cached flow is read again from the database after this"
            + " long. 0 (the default): only a change through this store, or the size bound, removes a cached flow; exact as"
            + " long as no other process writes the same tables. Set it when several engines share one database (an expiry"
            + " costs a clock read on every cached read).", min = "0")
    long cache_expiry_seconds() default 0;

    @AttributeDefinition(name = "Service ranking", description = "Without a target filter, consumers take the highest-ranked flow store.")
    int service_ranking() default 10;

    @AttributeDefinition(name = "Type", description = "The streamline.flow.type service property, for consumers' target filters.")
    String streamline_flow_type() default "jpa";
}
