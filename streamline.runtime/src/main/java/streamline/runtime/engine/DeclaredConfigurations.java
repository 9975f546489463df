package streamline.runtime.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.ConfigDescription;
import streamline.api.processor.ProcessorTypes;

/**
 * What the registry's processor and trigger types declare ({@code @ProcessorConfig}), and the check of a flow against
 * it: {@link ProcessorTypes} for whatever saves a flow, and the same check at activation. A provider's declaration is
 * read once, from the class of an instance it makes. Unknown keys are warned about once per flow version (a version
 * being the processor's configuration as given), whichever path checks it first.
 */
final class DeclaredConfigurations implements ProcessorTypes {

    private static final Logger LOG = LogManager.getLogger(DeclaredConfigurations.class);
    /** Warnings remembered; the oldest are forgotten past this many (then warned about again at worst). */
    private static final int WARNINGS_KEPT = 10_000;

    private final ProcessorRegistry registry;
    /** By provider: what its instances' class declares. Forgotten when the provider leaves. */
    private final Map<ProcessorRegistry.Provider<?>, Optional<ConfigDescription>> declared = new ConcurrentHashMap<>();
    private final Map<String, Boolean> warned = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > WARNINGS_KEPT;
        }
    };

    DeclaredConfigurations(ProcessorRegistry registry) {
        this.registry = registry;
    }

    /** What {@code provider} declares; makes (and gives back) one instance the first time. */
    Optional<ConfigDescription> of(ProcessorRegistry.Provider<?> provider) {
        Optional<ConfigDescription> known = declared.get(provider);
        if (known != null) {
            return known;
        }
        Object instance = provider.create();
        if (instance == null) {
            return Optional.empty(); // gone meanwhile
        }
        try {
            Optional<ConfigDescription> description = ConfigDescription.of(instance.getClass());
            declared.put(provider, description);
            return description;
        } finally {
            release(provider, instance);
        }
    }

    /** What the class of an instance already made declares, remembered for its provider. */
    Optional<ConfigDescription> of(ProcessorRegistry.Provider<?> provider, Object instance) {
        return declared.computeIfAbsent(provider, p -> ConfigDescription.of(instance.getClass()));
    }

    void forget(ProcessorRegistry.Provider<?> provider) {
        declared.remove(provider);
    }

    @SuppressWarnings("unchecked")
    private static <T> void release(ProcessorRegistry.Provider<T> provider, Object instance) {
        provider.release((T) instance);
    }

    @Override
    public List<ProcessorType> types() {
        List<ProcessorType> types = new ArrayList<>();
        registry.processorProviders().forEach(provider -> types.add(new ProcessorType(provider.type(), false, describe(provider))));
        registry.triggerProviders().forEach(provider -> types.add(new ProcessorType(provider.type(), true, describe(provider))));
        types.sort(Comparator.comparing(ProcessorType::name).thenComparing(ProcessorType::trigger));
        return types;
    }

    private Optional<ConfigDescription> describe(ProcessorRegistry.Provider<?> provider) {
        try {
            return of(provider);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("cannot read what processor type {} declares: {}", provider.type(), e.toString());
            return Optional.empty();
        }
    }

    @Override
    public List<String> check(FlowDefinition flow) throws InvalidFlowException {
        List<String> unknown = ConfigDescription.check(flow, (type, trigger) -> {
            Optional<? extends ProcessorRegistry.Provider<?>> provider = trigger ? registry.trigger(type) : registry.processor(type);
            // a wrong declaration is the plug-in's mistake: the flow's activation fails with it, naming the class
            return provider.flatMap(this::describe);
        });
        warnOnce(flow, unknown);
        return unknown;
    }

    /**
     * Warns about unknown keys of a flow, each once per version of the flow.
     *
     * @param unknown as {@link ConfigDescription#check} gives them
     */
    void warnOnce(FlowDefinition flow, List<String> unknown) {
        for (String warning : unknown) {
            String key = flow.id() + "|" + versionOf(flow) + "|" + warning;
            boolean first;
            synchronized (warned) {
                first = warned.put(key, Boolean.TRUE) == null;
            }
            if (first) {
                LOG.warn("flow {} ({}): {}; it is ignored", flow.name(), flow.id(), warning);
            }
        }
    }

    /** A flow's version, as far as its keys go: its processors and triggers as defined (not when it was saved). */
    private static int versionOf(FlowDefinition flow) {
        return Objects.hash(flow.processors(), flow.triggers());
    }
}
