package streamline.runtime.engine;

import java.util.Objects;

/**
 * A write-ahead log or flow store with the name the engine records it by (its type property:
 * {@code streamline.wal.type}, {@code streamline.flow.type}). An empty name is not recorded.
 */
public record Named<T>(String name, T service) {

    public Named {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(service, "service");
    }

    /** A service the engine does not record (tests, benchmarks). */
    public static <T> Named<T> unnamed(T service) {
        return new Named<>("", service);
    }

    boolean recorded() {
        return !name.isEmpty();
    }

    @Override
    public String toString() {
        return name.isEmpty() ? String.valueOf(service) : "'" + name + "'";
    }
}
