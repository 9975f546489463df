package streamline.api.processor;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;

/**
 * The processor and trigger types provided now, with the configuration each declares ({@link ProcessorConfig}), and
 * the check of a flow against them. Registered by the engine; whatever saves a flow (the flow folder, the shell)
 * checks it here first.
 *
 * @since 1.4
 */
@ProviderType
public interface ProcessorTypes {

    /**
     * One provided type.
     *
     * @param name the type, as in {@value Processor#TYPE_PROPERTY}
     * @param trigger whether it is a trigger type (else a processor type)
     * @param configuration what its best provider declares; empty if it declares nothing (every key accepted)
     */
    record ProcessorType(String name, boolean trigger, Optional<ConfigDescription> configuration) {
    }

    /** The types provided now, by name; a type provided as a processor and as a trigger is listed twice. */
    List<ProcessorType> types();

    /**
     * Checks the configuration of every processor and trigger of {@code flow} whose type is provided now (a type no
     * bundle provides yet is checked when a provider appears, at activation). Unknown keys are warned about in the
     * log once per flow version, and returned.
     *
     * @return the unknown keys, as {@link ConfigDescription#check(FlowDefinition, ConfigDescription.Lookup)} gives them
     * @throws InvalidFlowException listing every mistake, each naming the processor (or trigger) and the key
     */
    List<String> check(FlowDefinition flow) throws InvalidFlowException;
}
