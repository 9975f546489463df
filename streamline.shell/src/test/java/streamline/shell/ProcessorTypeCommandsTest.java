package streamline.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import streamline.api.processor.ConfigDescription;
import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorTypes.ProcessorType;

class ProcessorTypeCommandsTest {

    @ProcessorConfig(description = "Makes a file the session's content.", otherKeys = "arg[0-9]+", keys = {
            @ConfigKey(name = "path", alias = "input", required = true, description = "The file."),
            @ConfigKey(name = "remove_source", type = ConfigType.BOOLEAN, defaultValue = "false", description = "Delete it.") })
    static final class Read {
    }

    @Test
    void listsEveryTypeWithItsKeysTypesAliasesDefaultsAndDescriptions() {
        String listed = ProcessorTypeCommands.describe(List.of(
                new ProcessorType("ReadFile", false, ConfigDescription.of(Read.class)),
                new ProcessorType("Legacy", true, Optional.empty())));
        assertEquals("""
                ReadFile: Makes a file the session's content.
                  path (text; Go name input; required): The file.
                  remove_source (boolean; default false): Delete it.
                  other keys matching arg[0-9]+: text, taken as they are
                Legacy (trigger): declares no keys; every key is passed to it unchecked""", listed);
    }
}
