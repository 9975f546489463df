package streamline.testkit;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * A real data source with a hook a test sets to run at a chosen moment: before the next statement
 * whose SQL matches executes, or right after the next commit went through. A hook runs once, on the
 * thread that reached the moment, and may throw (an {@code SQLException}, an {@code Error}) to stand
 * for a failure at that point, or do other work there (a concurrent save) before the statement goes on.
 */
public final class HookedDataSource implements DataSource {

    /** What runs at the moment: it may throw to fail the statement or the commit. */
    @FunctionalInterface
    public interface Hook {
        void run(String sql) throws SQLException;
    }

    private record Armed(Predicate<String> sql, Hook hook) {
    }

    private final DataSource target;
    private final AtomicReference<Armed> beforeExecute = new AtomicReference<>();
    private final AtomicReference<Hook> afterCommit = new AtomicReference<>();

    public HookedDataSource(DataSource target) {
        this.target = target;
    }

    /** Runs {@code hook} once, before the next statement whose SQL {@code sql} accepts executes. */
    public void onceBeforeExecute(Predicate<String> sql, Hook hook) {
        beforeExecute.set(new Armed(sql, hook));
    }

    /** Runs {@code hook} once, right after the next commit went through. */
    public void onceAfterCommit(Hook hook) {
        afterCommit.set(hook);
    }

    /** Whether a hook is still waiting for its moment. */
    public boolean armed() {
        return beforeExecute.get() != null || afterCommit.get() != null;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return connection(target.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return connection(target.getConnection(user, password));
    }

    private Connection connection(Connection real) {
        return (Connection) Proxy.newProxyInstance(HookedDataSource.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = invoke(real, method, args);
                    switch (method.getName()) {
                        case "commit" -> {
                            Hook hook = afterCommit.getAndSet(null);
                            if (hook != null) {
                                hook.run("COMMIT");
                            }
                        }
                        case "prepareStatement", "prepareCall" -> {
                            return statement(result, (String) args[0], method.getReturnType());
                        }
                        case "createStatement" -> {
                            return statement(result, null, Statement.class);
                        }
                        default -> { }
                    }
                    return result;
                });
    }

    private Object statement(Object real, String preparedSql, Class<?> type) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().startsWith("execute")) {
                String sql = preparedSql != null ? preparedSql : args != null && args.length > 0 && args[0] instanceof String s ? s : "";
                Armed armed = beforeExecute.get();
                if (armed != null && armed.sql().test(sql) && beforeExecute.compareAndSet(armed, null)) {
                    armed.hook().run(sql);
                }
            }
            return invoke(real, method, args);
        };
        return Proxy.newProxyInstance(HookedDataSource.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override public PrintWriter getLogWriter() throws SQLException { return target.getLogWriter(); }
    @Override public void setLogWriter(PrintWriter out) throws SQLException { target.setLogWriter(out); }
    @Override public void setLoginTimeout(int seconds) throws SQLException { target.setLoginTimeout(seconds); }
    @Override public int getLoginTimeout() throws SQLException { return target.getLoginTimeout(); }
    @Override public Logger getParentLogger() throws SQLFeatureNotSupportedException { return target.getParentLogger(); }
    @Override public <T> T unwrap(Class<T> type) throws SQLException { return target.unwrap(type); }
    @Override public boolean isWrapperFor(Class<?> type) throws SQLException { return target.isWrapperFor(type); }
}
