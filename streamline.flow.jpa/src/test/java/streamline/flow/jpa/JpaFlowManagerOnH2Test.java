package streamline.flow.jpa;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;

import jakarta.persistence.EntityManagerFactory;
import streamline.api.flow.FlowManager;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.jpa.support.PooledDataSource;
import streamline.testkit.FlowManagerContract;

/**
 * The same contract on another database, H2, reached the way a non-Derby configuration reaches it
 * (a driver's pooled data source, EclipseLink finding the platform itself): the store's mapping and
 * queries are not Derby's alone.
 */
class JpaFlowManagerOnH2Test extends FlowManagerContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private final List<EntityManagerFactory> factories = new ArrayList<>();

    @Override
    protected FlowManager createEmptyStore() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:flows" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        EntityManagerFactory factory = JpaFlowManager.createFactory(new PooledDataSource(h2, 4), 4,
                CodePersistenceUnit.codeSource(FlowEntity.class), null);
        factories.add(factory);
        return new JpaFlowManager(factory, 1000, java.time.Duration.ofMinutes(10));
    }

    @AfterEach
    void closeFactories() {
        factories.forEach(EntityManagerFactory::close);
    }
}
