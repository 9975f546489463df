package streamline.api.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.System.Logger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.api.state.StateManager;

class ConfigDescriptionTest {

    @ProcessorConfig(description = "reads a file", otherKeys = "arg[0-9]+", keys = {
            @ConfigKey(name = "path", alias = "input", required = true, description = "the file"),
            @ConfigKey(name = "remove_source", type = ConfigType.BOOLEAN, defaultValue = "false", description = "delete it"),
            @ConfigKey(name = "args", type = ConfigType.LIST, description = "arguments"),
            @ConfigKey(name = "timeoutSeconds", type = ConfigType.INTEGER, defaultValue = "60", description = "limit"),
            @ConfigKey(name = "extra_headers", type = ConfigType.MAP, description = "headers") })
    static class Declared {
    }

    static class Inherits extends Declared {
    }

    static class Undeclared {
    }

    @ProcessorConfig(description = "x", keys = { @ConfigKey(name = "n", type = ConfigType.INTEGER, defaultValue = "ten", description = "") })
    static class BadDefault {
    }

    @ProcessorConfig(description = "x", keys = { @ConfigKey(name = "a", description = ""), @ConfigKey(name = "b", alias = "a", description = "") })
    static class Twice {
    }

    private static final ConfigDescription DECLARED = ConfigDescription.of(Declared.class).orElseThrow();

    @Test
    void readsTheDeclarationFromTheClassOrASuperclass() {
        assertEquals("reads a file", DECLARED.description());
        assertEquals(List.of("path", "remove_source", "args", "timeoutSeconds", "extra_headers"),
                DECLARED.keys().stream().map(ConfigDescription.Key::name).toList());
        assertEquals(Optional.of("input"), DECLARED.key("input").orElseThrow().alias());
        assertEquals(DECLARED.key("path"), DECLARED.key("input"));
        assertTrue(ConfigDescription.of(Inherits.class).isPresent());
        assertTrue(ConfigDescription.of(Undeclared.class).isEmpty());
    }

    @Test
    void aWrongDeclarationIsRefusedNamingTheClass() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ConfigDescription.of(BadDefault.class));
        assertTrue(bad.getMessage().contains(BadDefault.class.getName()) && bad.getMessage().contains("'n'"), bad.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> ConfigDescription.of(Twice.class));
        assertTrue(twice.getMessage().contains("'a' is declared twice"), twice.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeIsAnErrorNamingTheKey() {
        List<String> errors = DECLARED.errors(Map.of("input", "a.txt", "remove_source", "yes", "args", "x",
                "timeoutSeconds", "soon", "extra_headers", List.of("h")));
        assertEquals(4, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("key 'remove_source' must be true or false, was \"yes\""), errors.get(0));
        assertTrue(errors.get(1).startsWith("key 'args' must be a list of texts"), errors.get(1));
        assertTrue(errors.get(2).startsWith("key 'timeoutSeconds' must be a whole number"), errors.get(2));
        assertTrue(errors.get(3).startsWith("key 'extra_headers' must be an object of texts"), errors.get(3));
    }

    @Test
    void aMissingRequiredKeyAndBothNamesAreErrors() {
        assertEquals(List.of("key 'path' (or its alias 'input') is required"), DECLARED.errors(Map.of()));
        assertEquals(List.of("key 'path' is also given by its alias 'input': keep one"),
                DECLARED.errors(Map.of("path", "a", "input", "b")));
        Map<String, Object> nullValue = new HashMap<>();
        nullValue.put("path", null); // a null value is an absent key, as the Go project reads it
        assertEquals(List.of("key 'path' (or its alias 'input') is required"), DECLARED.errors(nullValue));
    }

    @Test
    void rightValuesAndExpressionsPass() {
        assertEquals(List.of(), DECLARED.errors(Map.of("path", "${name}", "remove_source", true, "args", List.of("-v", "${n}"),
                "timeoutSeconds", 30, "extra_headers", Map.of("X-Id", "${id}"))));
        assertEquals(List.of(), DECLARED.errors(Map.of("path", "a", "remove_source", " TRUE ", "timeoutSeconds", "${limit}")));
    }

    @Test
    void unknownKeysAreThoseNeitherDeclaredNorOtherNorTheEngines() {
        assertEquals(List.of("inptu", "zz"), DECLARED.unknownKeys(Map.of("zz", 1, "inptu", "a", "input", "b", "arg3", "x",
                "streamline.retries", 2)));
    }

    @Test
    void convertsToTheAskedType() {
        assertEquals(Boolean.TRUE, ConfigDescription.convert("True", Boolean.class, "k"));
        assertEquals(12L, ConfigDescription.convert(" 12 ", Long.class, "k"));
        assertEquals(12, ConfigDescription.convert(12L, Integer.class, "k"));
        assertEquals(List.of("1", "a"), ConfigDescription.convert(List.of(1, "a"), List.class, "k"));
        assertEquals("7", ConfigDescription.convert(7, String.class, "k"));
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> ConfigDescription.convert(1L << 40, Integer.class, "count"));
        assertTrue(tooBig.getMessage().startsWith("key 'count' must be a whole number from"), tooBig.getMessage());
    }

    @Test
    void theContextGivesValuesByNameOrAliasEvaluatedConvertedWithDefaults() {
        Context context = new Context(Map.of("input", "in/${x}", "args", List.of("-n", "${x}"), "remove_source", "${flag}"),
                Map.of("x", "7", "flag", "true"));
        assertEquals("in/7", context.config("path", String.class));
        assertEquals(List.of("-n", "7"), context.config("args", List.class));
        assertTrue(context.config("remove_source", Boolean.class));
        assertEquals(60, context.config("timeoutSeconds", Integer.class));
        assertTrue(context.optionalConfig("extra_headers", Map.class).isEmpty());
        Context wrong = new Context(Map.of("path", "a", "remove_source", "${flag}"), Map.of("flag", "maybe"));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> wrong.config("remove_source", Boolean.class));
        assertTrue(error.getMessage().contains("'remove_source' must be true or false, was \"maybe\""), error.getMessage());
        assertFalse(new Context(Map.of(), Map.of()).configDescription().isEmpty());
    }

    @Test
    void aFlowIsCheckedProcessorByProcessorAndATypeNotProvidedIsNot() throws Exception {
        ConfigDescription.Lookup lookup = (type, trigger) -> type.equals("Read") ? Optional.of(DECLARED) : Optional.empty();
        FlowDefinition flow = FlowDefinition.builder().id(UUID.randomUUID()).name("files")
                .processor(ProcessorDefinition.builder().id(UUID.randomUUID()).name("read").type("Read")
                        .config(Map.of("input", "a", "remove_source", "yes")).build())
                .processor(ProcessorDefinition.builder().id(UUID.randomUUID()).name("later").type("NotYetThere")
                        .config(Map.of("anything", List.of())).build())
                .trigger(TriggerDefinition.builder().id(UUID.randomUUID()).name("tick").type("Read").config(Map.of("argz", "1")).build())
                .build();
        InvalidFlowException refused = assertThrows(InvalidFlowException.class, () -> ConfigDescription.check(flow, lookup));
        assertEquals("files", refused.flowName());
        assertEquals(List.of("trigger 'tick' (Read): key 'path' (or its alias 'input') is required",
                "processor 'read' (Read): key 'remove_source' must be true or false, was \"yes\""), refused.problems());
        FlowDefinition good = flow.toBuilder().processors(List.of(ProcessorDefinition.builder().id(UUID.randomUUID()).name("read")
                .type("Read").config(Map.of("input", "a", "inptu", "b")).build())).triggers(List.of()).build();
        assertEquals(List.of("processor 'read' (Read): key 'inptu' is unknown"), ConfigDescription.check(good, lookup));
    }

    /** A context whose expressions are plain {@code ${name}} lookups in a map. */
    private static final class Context implements ProcessorContext {
        private final Map<String, Object> raw;
        private final Map<String, String> names;

        Context(Map<String, Object> raw, Map<String, String> names) {
            this.raw = raw;
            this.names = names;
        }

        @Override
        public Optional<ConfigDescription> configDescription() {
            return Optional.of(DECLARED);
        }

        @Override
        public String evaluate(String key, String text) {
            String result = text;
            for (Map.Entry<String, String> name : names.entrySet()) {
                result = result.replace("${" + name.getKey() + "}", name.getValue());
            }
            return result;
        }

        @Override
        public Map<String, Object> rawConfiguration() {
            return raw;
        }

        @Override
        public String config(String key) {
            return config(key, String.class);
        }

        @Override
        public Optional<String> optionalConfig(String key) {
            return optionalConfig(key, String.class);
        }

        @Override
        public UUID flowId() {
            return UUID.randomUUID();
        }

        @Override
        public String flowName() {
            return "f";
        }

        @Override
        public UUID processorId() {
            return UUID.randomUUID();
        }

        @Override
        public String processorName() {
            return "p";
        }

        @Override
        public String processorType() {
            return "T";
        }

        @Override
        public Logger logger() {
            return System.getLogger("test");
        }

        @Override
        public StateManager state() {
            return null;
        }
    }
}
