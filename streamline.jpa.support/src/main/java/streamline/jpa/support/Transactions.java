package streamline.jpa.support;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;

/**
 * Runs work against a persistence unit with the entity manager and transaction handled: opened,
 * committed if the work returns, rolled back if it throws, closed either way. The work may throw its
 * own checked exception, which passes through unchanged.
 */
public final class Transactions {

    /** Work on an entity manager, which may throw {@code E}. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T apply(EntityManager em) throws E;
    }

    private final EntityManagerFactory factory;

    public Transactions(EntityManagerFactory factory) {
        this.factory = factory;
    }

    /** Runs {@code work} in a transaction of its own on a new entity manager. */
    public <T, E extends Exception> T required(Work<T, E> work) throws E {
        EntityManager em = factory.createEntityManager();
        try {
            return inTransaction(em, work);
        } finally {
            em.close();
        }
    }

    /**
     * Runs {@code work} on a new entity manager without a transaction around it, each statement committing
     * on its own: for reads that check their own consistency, or need none, saving the transaction's round trips.
     */
    public <T, E extends Exception> T statements(Work<T, E> work) throws E {
        EntityManager em = factory.createEntityManager();
        try {
            return work.apply(em);
        } finally {
            em.close();
        }
    }

    /** Runs {@code work} in a new transaction on {@code em}, which stays open. */
    public static <T, E extends Exception> T inTransaction(EntityManager em, Work<T, E> work) throws E {
        EntityTransaction tx = em.getTransaction();
        try {
            tx.begin();
            T result = work.apply(em);
            tx.commit();
            return result;
        } finally {
            if (tx.isActive()) {
                tx.rollback();
            }
        }
    }
}
