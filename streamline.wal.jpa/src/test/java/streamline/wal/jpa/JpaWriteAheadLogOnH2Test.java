package streamline.wal.jpa;

import java.time.Duration;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import jakarta.persistence.EntityManagerFactory;
import streamline.api.wal.WriteAheadLog;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.jpa.support.PooledDataSource;
import streamline.testkit.TestDatabases;
import streamline.testkit.WriteAheadLogContract;

/** The write-ahead log contract on H2, reached as any non-Derby database is (EclipseLink finds the platform). */
class JpaWriteAheadLogOnH2Test extends WriteAheadLogContract {

    @RegisterExtension
    final TestDatabases databases = new TestDatabases();
    private String url;

    private JpaWriteAheadLog open() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(url);
        EntityManagerFactory factory = JpaWriteAheadLog.createFactory(new PooledDataSource(h2, 4), 4,
                CodePersistenceUnit.codeSource(WalEntryEntity.class), null);
        databases.opened(factory);
        return new JpaWriteAheadLog(factory, Duration.ofHours(1));
    }

    @Override
    protected WriteAheadLog openOnNewStorage() {
        url = databases.newName("jdbc:h2:mem:wal") + ";DB_CLOSE_DELAY=-1";
        return open();
    }

    @Override
    protected WriteAheadLog reopen() {
        return open();
    }

    @Override
    protected void compactNow(WriteAheadLog log) {
        ((JpaWriteAheadLog) log).compact();
    }

}
