package streamline.flow.files;

import java.util.List;
import java.util.Optional;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.ConfigDescription;
import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorTypes;

/** Processor types for tests: {@code Copy} declares its keys, every other type is not provided. */
final class DeclaredTypes implements ProcessorTypes {

    @ProcessorConfig(description = "copies a file", keys = {
            @ConfigKey(name = "path", alias = "input", required = true, description = "the file"),
            @ConfigKey(name = "remove_source", type = ConfigType.BOOLEAN, defaultValue = "false", description = "delete it"),
            @ConfigKey(name = "args", type = ConfigType.LIST, description = "arguments") })
    static final class Copy {
    }

    private static final ConfigDescription COPY = ConfigDescription.of(Copy.class).orElseThrow();

    @Override
    public List<ProcessorType> types() {
        return List.of(new ProcessorType("Copy", false, Optional.of(COPY)));
    }

    @Override
    public List<String> check(FlowDefinition flow) throws InvalidFlowException {
        return ConfigDescription.check(flow, (type, trigger) -> !trigger && type.equals("Copy") ? Optional.of(COPY) : Optional.empty());
    }
}
