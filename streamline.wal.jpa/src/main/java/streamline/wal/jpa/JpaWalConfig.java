package streamline.wal.jpa;

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

@ObjectClassDefinition(id = "streamline.wal.jpa", name = "Streamline JPA write-ahead log",
        description = "A write-ahead log in a database table through JPA (EclipseLink); embedded Derby by default.")
@interface JpaWalConfig {

    @AttributeDefinition(name = JDBC_URL_NAME, description = JDBC_URL)
    String jdbc_url() default "jdbc:derby:wal;create=true";

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

    @AttributeDefinition(name = "Compaction interval (s)",
            description = "How often the entries of finished sessions are deleted.", min = "1")
    long compaction_interval_seconds() default 30;

    @AttributeDefinition(name = "Service ranking", description = "Without a target filter, consumers take the highest-ranked write-ahead log.")
    int service_ranking() default 10;

    @AttributeDefinition(name = "Type", description = "The streamline.wal.type service property, for consumers' target filters.")
    String streamline_wal_type() default "jpa";
}
