package streamline.shell;

import java.util.List;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import streamline.api.processor.ConfigDescription;
import streamline.api.processor.ProcessorTypes.ProcessorType;
import streamline.api.processor.ProcessorTypes;

/**
 * Gogo command {@code streamline:types}: the processor and trigger types provided now (by any bundle, plug-ins
 * included), each with the keys it declares: type of value, default, alias (the Go name), whether required, and what
 * it does; the same declarations a flow is checked against before it is saved.
 */
@Component(service = ProcessorTypeCommands.class, property = { "osgi.command.scope=streamline", "osgi.command.function=types" })
public class ProcessorTypeCommands {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ProcessorTypes types;

    /** The types provided now and their keys. */
    public String types() {
        ProcessorTypes current = types;
        if (current == null) {
            return "no engine is running: processor types are known to the engine (bundle streamline.runtime)";
        }
        return describe(current.types());
    }

    static String describe(List<ProcessorType> types) {
        if (types.isEmpty()) {
            return "no processor types are provided";
        }
        StringBuilder out = new StringBuilder();
        for (ProcessorType type : types) {
            out.append(type.name()).append(type.trigger() ? " (trigger)" : "");
            if (type.configuration().isEmpty()) {
                out.append(": declares no keys; every key is passed to it unchecked\n");
                continue;
            }
            ConfigDescription description = type.configuration().get();
            out.append(": ").append(description.description()).append('\n');
            for (ConfigDescription.Key key : description.keys()) {
                out.append("  ").append(key.name()).append(" (").append(key.type().shown());
                key.alias().ifPresent(alias -> out.append("; Go name ").append(alias));
                if (key.required()) {
                    out.append("; required");
                }
                key.defaultValue().ifPresent(value -> out.append("; default ").append(value));
                out.append("): ").append(key.description()).append('\n');
            }
            description.otherKeys().ifPresent(pattern -> out.append("  other keys matching ").append(pattern)
                    .append(": text, taken as they are\n"));
        }
        return out.toString().lines().collect(Collectors.joining("\n"));
    }
}
