package streamline.flow.jpa;

import java.time.Duration;
import java.time.Instant;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import jakarta.persistence.EntityManagerFactory;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.jpa.support.PooledDataSource;
import streamline.testkit.FlowManagerContract;
import streamline.testkit.HookedDataSource;
import streamline.testkit.TestDatabases;
import streamline.testkit.TestFlows;

/**
 * The same contract on another database, H2, reached the way a non-Derby configuration reaches it
 * (a driver's pooled data source, EclipseLink finding the platform itself): the store's mapping and
 * queries are not Derby's alone.
 */
class JpaFlowManagerOnH2Test extends FlowManagerContract {

    @RegisterExtension
    final TestDatabases databases = new TestDatabases();
    private HookedDataSource hooked;

    private JdbcDataSource newDatabase() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(databases.newName("jdbc:h2:mem:flows") + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    private JpaFlowManager open(JdbcDataSource h2) {
        hooked = new HookedDataSource(new PooledDataSource(h2, 4));
        EntityManagerFactory factory = JpaFlowManager.createFactory(hooked, 4,
                CodePersistenceUnit.codeSource(FlowEntity.class), null);
        databases.opened(factory);
        return new JpaFlowManager(factory, 1000, Duration.ofMinutes(10));
    }

    @Override
    protected FlowManager createEmptyStore() {
        return open(newDatabase());
    }

    @Override
    protected Page<FlowDefinition> listDuring(PageRequest page, Instant since, Change change) throws Exception {
        return JpaFlowManagerTest.listBetweenStatements(hooked, store, page, since, change);
    }

    @Test
    void aVersion1SchemaIsMigratedOnH2Too() throws Exception {
        JdbcDataSource h2 = newDatabase();
        JpaFlowManager first = open(h2);
        FlowDefinition rich = first.save(richFlow("rich"));
        FlowDefinition plain = first.save(TestFlows.flow("plain", "A->B->C"));
        databases.closeLatest();
        JpaFlowManagerTest.downgradeToVersion1(h2);
        JpaFlowManagerTest.checkMigrated(h2, open(h2), rich, plain);
    }

}
