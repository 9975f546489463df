package streamline.runtime.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.config.support.ConfigRefused;

import streamline.runtime.engine.EngineOptions;

/**
 * The engine's configuration read as SCR hands it over (SCR's own conversion of the .cfg file's strings into
 * {@link RuntimeConfig}): every value refused names PID, key, value and rule, before anything runs.
 */
class RuntimeConfigTest {

    @TempDir
    Path home;

    private static final String COMPONENT = "streamline.runtime.EngineComponent";

    private EngineOptions accepted(Map<String, Object> configuration) {
        Map<String, Object> properties = ComponentProperties.of(COMPONENT, configuration);
        return ConfiguredOptions.accepted(ComponentProperties.read(RuntimeConfig.class, properties), properties, home.toString());
    }

    private ConfigRefused refused(String key, String value) {
        return assertThrows(ConfigRefused.class, () -> accepted(Map.of(key, value)));
    }

    @Test
    void aValueThatIsNotANumberNamesPidKeyAndValue() {
        ConfigRefused refused = refused("workers", "abc");
        assertEquals("configuration streamline.runtime: workers=abc refused: an integer from 1 to 1024 is required", refused.getMessage());
        assertEquals("workers", refused.key());
    }

    @Test
    void valuesOutOfRangeAreRefusedBeforeTheyOverflowAtRunTime() {
        assertEquals("workers", refused("workers", "-1").key());
        assertEquals("workers", refused("workers", "0").key());
        ConfigRefused timeout = refused("step.timeout.seconds", "9223372036854775807");
        assertEquals("configuration streamline.runtime: step.timeout.seconds=9223372036854775807 refused: an integer from 1 to 604800"
                + " is required", timeout.getMessage());
        assertEquals("trigger.timeout.seconds", refused("trigger.timeout.seconds", "0").key());
        assertEquals("poll.interval.ms", refused("poll.interval.ms", "0").key());
        assertEquals("event.idle.ms", refused("event.idle.ms", "-5").key());
        assertEquals("stop.grace.seconds", refused("stop.grace.seconds", "99999999").key());
        assertEquals("retry.backoff", refused("retry.backoff", "linear").key());
        assertEquals("wait.backoff.max.seconds", refused("wait.backoff.max.seconds", "0").key());
        assertEquals("wait.backoff.max.seconds", refused("wait.backoff.max.seconds", "86401").key());
    }

    @Test
    void aMalformedTargetIsRefusedWithItsKey() {
        ConfigRefused refused = refused("wal.target", "(streamline.wal.type=file");
        assertTrue(refused.getMessage().startsWith("configuration streamline.runtime: wal.target=(streamline.wal.type=file refused:"),
                refused.getMessage());
    }

    @Test
    void aWorkDirectoryThatCannotBeMadeIsRefusedBeforeAnythingStops() {
        ConfigRefused refused = refused("work.directory", "/proc/streamline-work");
        assertEquals("work.directory", refused.key());
        assertTrue(refused.getMessage().contains("a folder the engine can create and write is required"), refused.getMessage());
    }

    @Test
    void listsAreSplitTrimmedAndDeduplicated() {
        EngineOptions options = accepted(Map.of("expressions.env", "HOME, STREAMLINE_* ,HOME", "abandon", "jpa,memory"));
        assertEquals(List.of("HOME", "STREAMLINE_*"), options.envInExpressions());
    }

    @Test
    void theDefaultsAreAccepted() {
        EngineOptions options = accepted(Map.of());
        assertEquals(8, options.workers());
        assertEquals(home.resolve("data/runtime"), options.workDirectory());
    }
}
