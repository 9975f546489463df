package streamline.wal.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.derby.jdbc.EmbeddedDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import jakarta.persistence.EntityManagerFactory;

import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.testkit.WriteAheadLogContract;

class JpaWriteAheadLogContractTest extends WriteAheadLogContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private final List<EntityManagerFactory> factories = new ArrayList<>();
    private String database;

    private JpaWriteAheadLog open() {
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(database);
        dataSource.setCreateDatabase("create");
        EntityManagerFactory factory = JpaWriteAheadLog.createFactory(dataSource, 4,
                CodePersistenceUnit.codeSource(WalEntryEntity.class));
        factories.add(factory);
        return new JpaWriteAheadLog(factory, Duration.ofHours(1));
    }

    @Override
    protected WriteAheadLog openOnNewStorage() {
        database = "memory:wal" + DATABASES.incrementAndGet();
        return open();
    }

    @Override
    protected WriteAheadLog reopen() {
        return open();
    }

    @AfterEach
    void closeFactories() {
        factories.forEach(EntityManagerFactory::close);
    }

    @Test
    void compactionRemovesFinishedSessionsAndKeepsLiveOnes() throws Exception {
        UUID flow = UUID.randomUUID();
        UUID done = UUID.randomUUID();
        UUID open = UUID.randomUUID();
        log.append(started(done, flow, UUID.randomUUID(), 0, List.of()));
        LogEntry live = started(open, flow, UUID.randomUUID(), 0, List.of());
        log.append(live);
        log.recordSessionFinished(done, flow, "", "");
        assertEquals(3, log.entries().size());
        assertEquals(2, ((JpaWriteAheadLog) log).compact());
        assertEquals(List.of(live), log.entries().stream().map(e -> e.withSequence(0)).toList());
        assertEquals(1, log.unfinishedSteps().size());
    }
}
