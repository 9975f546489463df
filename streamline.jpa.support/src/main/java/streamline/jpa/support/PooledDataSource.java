package streamline.jpa.support;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import javax.sql.ConnectionEvent;
import javax.sql.ConnectionEventListener;
import javax.sql.ConnectionPoolDataSource;
import javax.sql.DataSource;
import javax.sql.PooledConnection;

/**
 * A bounded pool over a driver's own pooled connections (JDBC's ConnectionPoolDataSource): opening a
 * Derby connection costs far more than a query, and EclipseLink asks its DataSource for a connection
 * in every transaction. A connection goes back to the pool when its user closes it; one that failed
 * is discarded.
 */
public final class PooledDataSource implements DataSource, AutoCloseable {

    private static final long WAIT_SECONDS = 30;

    private final ConnectionPoolDataSource source;
    private final int size;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<PooledConnection> idle = new ConcurrentLinkedQueue<>();
    private final ConnectionEventListener returner = new ConnectionEventListener() {
        @Override
        public void connectionClosed(ConnectionEvent event) {
            idle.add((PooledConnection) event.getSource());
            permits.release();
        }

        @Override
        public void connectionErrorOccurred(ConnectionEvent event) {
            closeQuietly((PooledConnection) event.getSource());
            permits.release();
        }
    };

    public PooledDataSource(ConnectionPoolDataSource source, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("pool size must be at least 1, was " + size);
        }
        this.source = source;
        this.size = size;
        this.permits = new Semaphore(size, true);
    }

    @Override
    public Connection getConnection() throws SQLException {
        try {
            if (!permits.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new SQLException("no database connection free within " + WAIT_SECONDS + " s (pool size " + size + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a database connection", e);
        }
        try {
            PooledConnection pooled = idle.poll();
            if (pooled == null) {
                pooled = source.getPooledConnection();
                pooled.addConnectionEventListener(returner);
            }
            return pooled.getConnection();
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the pool's credentials come from its configuration");
    }

    /** Closes the idle connections; connections in use close when their users return them. */
    @Override
    public void close() {
        for (PooledConnection pooled; (pooled = idle.poll()) != null; ) {
            closeQuietly(pooled);
        }
    }

    private static void closeQuietly(PooledConnection pooled) {
        try {
            pooled.close();
        } catch (SQLException e) {
            // closing a broken or already closed connection: nothing left to release
        }
    }

    @Override public PrintWriter getLogWriter() { return null; }
    @Override public void setLogWriter(PrintWriter out) { }
    @Override public void setLoginTimeout(int seconds) { }
    @Override public int getLoginTimeout() { return 0; }
    @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException { throw new SQLFeatureNotSupportedException(); }
    @Override public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper of " + type.getName());
    }
    @Override public boolean isWrapperFor(Class<?> type) { return type.isInstance(this); }
}
