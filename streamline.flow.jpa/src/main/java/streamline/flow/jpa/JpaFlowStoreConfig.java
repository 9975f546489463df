package streamline.flow.jpa;

import static streamline.jpa.support.DatabaseConfigTexts.ANY_DRIVER;
import static streamline.jpa.support.DatabaseConfigTexts.DRIVER;
import static streamline.jpa.support.DatabaseConfigTexts.DRIVER_NAME;
import static streamline.jpa.support.DatabaseConfigTexts.JDBC_URL;
import static streamline.jpa.support.DatabaseConfigTexts.JDBC_URL_NAME;
import static streamline.jpa.support.DatabaseConfigTexts.PASSWORD;
import static streamline.jpa.support.DatabaseConfigTexts.PASSWORD_NAME;
import static streamline.jpa.support.DatabaseConfigTexts.POOL_SIZE;
import static streamline.jpa.support.DatabaseConfigTexts.POOL_SIZE_NAME;
import static streamline.jpa.support.DatabaseConfigTexts.USER;
import static streamline.jpa.support.DatabaseConfigTexts.USER_NAME;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = "streamline.flow.jpa", name = "Streamline JPA flow store",
        description = "Keeps flow definitions in a database through JPA (EclipseLink); embedded Derby by default.")
@interface JpaFlowStoreConfig {

    @AttributeDefinition(name = JDBC_URL_NAME, description = JDBC_URL)
    String jdbc_url() default "jdbc:derby:flows;create=true";

    @AttributeDefinition(name = DRIVER_NAME, description = DRIVER)
    String dataSourceFactory_target() default ANY_DRIVER;

    @AttributeDefinition(name = USER_NAME, description = USER)
    String user() default "";

    @AttributeDefinition(name = PASSWORD_NAME, description = PASSWORD, type = AttributeType.PASSWORD)
    /** {@code .password} in a .cfg file: a private property, never published with the service. */
    String _password() default "";

    @AttributeDefinition(name = "Password file", description = "A file whose first line is the database password, used instead of"
            + " .password: the password is then in no listing at all (scr:info shows a component's configuration, .password included)."
            + " A relative path is resolved against the home.")
    String password_file() default "";

    @AttributeDefinition(name = POOL_SIZE_NAME, description = POOL_SIZE, min = "1")
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
