package streamline.jpa.support;

import java.util.function.Function;

import jakarta.persistence.EntityManagerFactory;

/**
 * A store on a database, with the persistence unit's factory between them: opened in that order,
 * closed in the reverse one, and on a failure to open, whatever was opened is closed again.
 *
 * @param <S> the store
 */
public final class OpenedStore<S> implements AutoCloseable {

    private final Database database;
    private final EntityManagerFactory factory;
    private final S store;

    private OpenedStore(Database database, EntityManagerFactory factory, S store) {
        this.database = database;
        this.factory = factory;
        this.store = store;
    }

    /**
     * @param what the store, for the error message ("the flow store")
     * @throws IllegalStateException if the factory or the store cannot be created, naming the database; the
     *         database is closed then
     */
    public static <S> OpenedStore<S> open(Database database, Function<Database, EntityManagerFactory> createFactory,
            Function<EntityManagerFactory, S> createStore, String what) {
        EntityManagerFactory factory;
        try {
            factory = createFactory.apply(database);
        } catch (RuntimeException e) {
            database.close();
            throw new IllegalStateException("cannot open " + what + " at " + database.displayUrl() + ": " + e.getMessage(), e);
        }
        try {
            return new OpenedStore<>(database, factory, createStore.apply(factory));
        } catch (RuntimeException e) {
            factory.close();
            database.close();
            throw new IllegalStateException("cannot open " + what + " at " + database.displayUrl() + ": " + e.getMessage(), e);
        }
    }

    public S store() {
        return store;
    }

    /** Closes the store if it is closeable, then the factory, then the database (releasing an embedded one's files). */
    @Override
    public void close() {
        try {
            if (store instanceof AutoCloseable closeable) {
                closeable.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot close the store at " + database.displayUrl() + ": " + e.getMessage(), e);
        } finally {
            try {
                factory.close();
            } finally {
                database.close();
            }
        }
    }
}
