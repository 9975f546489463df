package streamline.runtime.osgi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import streamline.config.support.ConfigList;

import streamline.runtime.engine.KnownServices;

/** {@code abandon} is a list like every other: one .cfg string names several, trimmed, repeats allowed. */
class PresentServicesTest {

    @Test
    void abandonFromOneCfgStringNamesEach() {
        RuntimeConfig config = ComponentProperties.read(RuntimeConfig.class,
                ComponentProperties.of("streamline.runtime.EngineComponent", Map.of("abandon", " jpa, memory,jpa")));
        PresentServices present = new PresentServices();
        present.abandon(ConfigList.split(config.abandon()));
        KnownServices known = present.known();
        assertTrue(known.abandoned("jpa"));
        assertTrue(known.abandoned("memory"));
        assertFalse(known.abandoned("jpa,memory"));
        assertFalse(known.abandoned("file"));
    }
}
