package streamline.runtime.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Optional;

import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorTypes;
import streamline.api.processor.TriggerProcessor;

/**
 * The processor and trigger types available now, each with its providers (in OSGi: the
 * prototype-scoped services of bundles), best first: highest ranking, then the oldest. Tells its
 * listeners when a provider came or went, so flows that wait for a type start and flows that lost
 * one pause. Public for embedding the engine outside OSGi (benchmarks); the package is not exported.
 */
public final class ProcessorRegistry {

    /** Makes instances of one type for one provider. */
    public interface Provider<T> {
        String type();

        int ranking();

        /** Orders providers of equal ranking: lower first (the OSGi service id). */
        long order();

        T create();

        void release(T instance);
    }

    /**
     * A provider outside a framework (embedded use, tests, benchmarks), where no service registry ranks and
     * orders them: ranking 0, then {@code order}, lower first.
     */
    public static <T> Provider<T> provider(String type, long order, Supplier<T> factory) {
        return new SuppliedProvider<>(type, order, factory);
    }

    private record SuppliedProvider<T>(String type, long order, Supplier<T> factory) implements Provider<T> {
        @Override
        public int ranking() {
            return 0;
        }

        @Override
        public T create() {
            return factory.get();
        }

        @Override
        public void release(T instance) {
            // nothing to give back: the instance is the caller's
        }
    }

    private static final Comparator<Provider<?>> BEST_FIRST =
            Comparator.<Provider<?>>comparingInt(Provider::ranking).reversed().thenComparingLong(Provider::order);

    private final Map<String, List<Provider<Processor>>> processors = new HashMap<>();
    private final Map<String, List<Provider<TriggerProcessor>>> triggers = new HashMap<>();
    /** What the types declare, and the check of a flow against it. */
    final DeclaredConfigurations declared = new DeclaredConfigurations(this);
    /** Hears about providers; called outside the registry's lock. */
    interface Listener {
        /** A provider came (or took over after another left). */
        void added();

        /** A provider left; instances it made must be dropped. */
        void removed(Provider<?> provider);
    }

    private volatile Listener listener;

    /** Sets the one listener (the engine running now), or none. */
    void listen(Listener newListener) {
        this.listener = newListener;
    }

    public void addProcessor(Provider<Processor> provider) {
        add(processors, provider);
    }

    public void removeProcessor(Provider<Processor> provider) {
        remove(processors, provider);
    }

    public void addTrigger(Provider<TriggerProcessor> provider) {
        add(triggers, provider);
    }

    public void removeTrigger(Provider<TriggerProcessor> provider) {
        remove(triggers, provider);
    }

    /** The processor and trigger types provided now and what each declares: the engine's {@link ProcessorTypes} service. */
    public ProcessorTypes types() {
        return declared;
    }

    /** The best provider of every processor type provided now. */
    synchronized List<Provider<Processor>> processorProviders() {
        return processors.values().stream().map(providers -> providers.get(0)).toList();
    }

    /** The best provider of every trigger type provided now. */
    synchronized List<Provider<TriggerProcessor>> triggerProviders() {
        return triggers.values().stream().map(providers -> providers.get(0)).toList();
    }

    synchronized Optional<Provider<Processor>> processor(String type) {
        return first(processors, type);
    }

    synchronized Optional<Provider<TriggerProcessor>> trigger(String type) {
        return first(triggers, type);
    }

    private <T> void add(Map<String, List<Provider<T>>> byType, Provider<T> provider) {
        synchronized (this) {
            List<Provider<T>> providers = byType.computeIfAbsent(provider.type(), type -> new ArrayList<>());
            providers.add(provider);
            providers.sort(BEST_FIRST);
        }
        Listener current = listener;
        if (current != null) {
            current.added();
        }
    }

    private <T> void remove(Map<String, List<Provider<T>>> byType, Provider<T> provider) {
        synchronized (this) {
            List<Provider<T>> providers = byType.get(provider.type());
            if (providers == null || !providers.remove(provider)) {
                return;
            }
            if (providers.isEmpty()) {
                byType.remove(provider.type());
            }
        }
        declared.forget(provider);
        Listener current = listener;
        if (current != null) {
            current.removed(provider);
            // another provider of the same type may take over
            current.added();
        }
    }

    private static <T> Optional<Provider<T>> first(Map<String, List<Provider<T>>> byType, String type) {
        List<Provider<T>> providers = byType.get(type);
        return providers == null || providers.isEmpty() ? Optional.empty() : Optional.of(providers.get(0));
    }
}
