package streamline.testkit;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For tests that open databases: a name no other test in the JVM uses (in-memory databases live as long as
 * the JVM), and what each test opened on them (entity manager factories, pools) closed after it, newest
 * first. Register it on an instance field with {@code @RegisterExtension}.
 */
public final class TestDatabases implements AfterEachCallback {

    private static final AtomicInteger NAMES = new AtomicInteger();

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** A database name no other call in this JVM returns: {@code prefix} and a number. */
    public String newName(String prefix) {
        return prefix + NAMES.incrementAndGet();
    }

    /** Closes {@code resource} after the test (or on {@link #closeLatest()}); returns it. */
    public <T extends AutoCloseable> T opened(T resource) {
        opened.push(resource);
        return resource;
    }

    /** The resource opened last and not closed yet. */
    @SuppressWarnings("unchecked")
    public <T extends AutoCloseable> T latest() {
        return (T) opened.getFirst();
    }

    /** Closes the resource opened last now, as a restart would: a test then opens the same database again. */
    public void closeLatest() throws Exception {
        opened.pop().close();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
