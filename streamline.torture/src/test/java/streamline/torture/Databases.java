package streamline.torture;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.apache.derby.jdbc.EmbeddedDataSource;

import jakarta.persistence.EntityManagerFactory;

import streamline.flow.jpa.FlowEntity;
import streamline.flow.jpa.JpaFlowManager;
import streamline.jpa.support.CodePersistenceUnit;
import streamline.wal.jpa.JpaWriteAheadLog;
import streamline.wal.jpa.WalEntryEntity;

/**
 * The database server of a run, outside the engine's process: an in-memory Derby database for the JPA write-ahead
 * log and one for the JPA flow store. A crash or a power loss of the engine does not touch them (a database commits
 * durably on its own); what a dead generation would still do to them is cut off: its connections fail from the
 * crash on, and a commit runs under the disk's freeze, so that none lands after the crash's copy of the home was
 * taken (a commit's entry names content that must be in the copy).
 */
final class Databases implements AutoCloseable {

    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Disk disk;
    /** The real connections each generation holds open: a crash drops them, as the server does a dead client's. */
    private final java.util.Map<Disk.Generation, java.util.Set<Connection>> open = new java.util.concurrent.ConcurrentHashMap<>();
    private final String walDatabase;
    private final String flowDatabase;
    private EntityManagerFactory flowFactory;
    private JpaFlowManager flows;

    Databases(Disk disk) {
        this.disk = disk;
        int run = RUNS.incrementAndGet();
        this.walDatabase = "memory:torture-wal-" + run;
        this.flowDatabase = "memory:torture-flows-" + run;
    }

    /** The JPA write-ahead log as one generation opens it: its connections die with the generation. */
    JpaLog openLog(Disk.Generation generation) {
        DataSource source = generationBound(derby(walDatabase), generation);
        EntityManagerFactory factory = JpaWriteAheadLog.createFactory(source, 4, CodePersistenceUnit.codeSource(WalEntryEntity.class));
        try {
            // EclipseLink retries a query whose connection was lost at once, then twice more a second apart. Here the
            // database is in this JVM: a connection is lost when an interrupt makes Derby close it (the first retry
            // reconnects) or when a crash cut a dead generation off, which no wait brings back; the pauses only held the
            // dead generation's stop (its writes hold the engine's gate) for seconds, so its threads outlived the run
            ((org.eclipse.persistence.sessions.server.ServerSession) org.eclipse.persistence.jpa.JpaHelper.getServerSession(factory))
                    .getLogin().setDelayBetweenConnectionAttempts(0);
            // compaction often, so that a short schedule crosses it
            return new JpaLog(new JpaWriteAheadLog(factory, Duration.ofMillis(700)), factory);
        } catch (RuntimeException e) {
            factory.close();
            throw e;
        }
    }

    /** The JPA flow store: outside every generation, as the memory store is kept (a database server the engine uses). */
    synchronized JpaFlowManager flowStore() {
        if (flows == null) {
            flowFactory = JpaFlowManager.createFactory(derby(flowDatabase), 4, CodePersistenceUnit.codeSource(FlowEntity.class));
            flows = new JpaFlowManager(flowFactory, 100, Duration.ZERO);
        }
        return flows;
    }

    /** A generation's JPA log with its factory, closed together. */
    record JpaLog(JpaWriteAheadLog log, EntityManagerFactory factory) implements AutoCloseable {
        @Override
        public void close() {
            try {
                log.close();
            } finally {
                factory.close();
            }
        }
    }

    private static EmbeddedDataSource derby(String name) {
        EmbeddedDataSource derby = new EmbeddedDataSource();
        derby.setDatabaseName(name);
        derby.setCreateDatabase("create");
        return derby;
    }

    /**
     * A data source whose connections fail once {@code generation} is dead (a dead process sends nothing more), and
     * whose commits run under the disk's freeze (none lands during, or after, a crash's copy).
     */
    private DataSource generationBound(DataSource target, Disk.Generation generation) {
        return (DataSource) Proxy.newProxyInstance(Databases.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        alive(generation);
                        Connection real = (Connection) invoke(target, method, args);
                        open.computeIfAbsent(generation, g -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(real);
                        return connection(real, generation);
                    }
                    return invoke(target, method, args);
                });
    }

    private Object connection(Connection real, Disk.Generation generation) {
        return Proxy.newProxyInstance(Databases.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "commit" -> {
                            disk.freeze.readLock().lock();
                            try {
                                if (generation.dead) {
                                    real.rollback();
                                    throw dead(generation);
                                }
                                return invoke(real, method, args);
                            } finally {
                                disk.freeze.readLock().unlock();
                            }
                        }
                        case "close" -> {
                            java.util.Set<Connection> mine = open.get(generation);
                            if (mine != null) {
                                mine.remove(real);
                            }
                            return invoke(real, method, args);
                        }
                        case "prepareStatement", "prepareCall", "createStatement" -> {
                            alive(generation);
                            Object statement = invoke(real, method, args);
                            return statement(statement, method.getReturnType(), generation);
                        }
                        default -> {
                            return invoke(real, method, args);
                        }
                    }
                });
    }

    /**
     * The server notices that a dead generation's process is gone: its open transactions are rolled back and its
     * connections closed, so that the locks they held do not stall the next generation.
     */
    void drop(Disk.Generation generation) {
        java.util.Set<Connection> connections = open.remove(generation);
        if (connections == null) {
            return;
        }
        for (Connection real : connections) {
            try {
                real.rollback();
            } catch (SQLException e) {
                // already gone, or in autocommit: nothing to roll back
            }
            try {
                real.close();
            } catch (SQLException e) {
                // closed meanwhile
            }
        }
    }

    private static Object statement(Object real, Class<?> type, Disk.Generation generation) {
        Class<?> face = Statement.class.isAssignableFrom(type) ? type : Statement.class;
        return Proxy.newProxyInstance(Databases.class.getClassLoader(), new Class<?>[] {face}, (proxy, method, args) -> {
            if (method.getName().startsWith("execute")) {
                alive(generation);
            }
            return invoke(real, method, args);
        });
    }

    private static void alive(Disk.Generation generation) throws SQLException {
        if (generation.dead) {
            throw dead(generation);
        }
    }

    private static SQLException dead(Disk.Generation generation) {
        return new SQLNonTransientConnectionException("the engine's process (generation " + generation.number
                + ") is dead: its connection is gone", "08006");
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Closes the flow store and drops both databases (in-memory databases otherwise live as long as the JVM). */
    @Override
    public synchronized void close() {
        if (flows != null) {
            try {
                flows.close();
            } finally {
                flowFactory.close();
            }
        }
        for (String name : new String[] {walDatabase, flowDatabase}) {
            EmbeddedDataSource drop = new EmbeddedDataSource();
            drop.setDatabaseName(name);
            drop.setConnectionAttributes("drop=true");
            try {
                drop.getConnection().close();
            } catch (SQLException e) {
                // a dropped (or never created) database answers with an exception: that is the expected outcome
            }
        }
    }
}
