package streamline.config.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigListTest {

    @Test
    void oneStringFromACfgFileIsSplitTrimmedAndDeduplicated() {
        assertEquals(List.of("jpa", "memory"), ConfigList.split("jpa, memory ,jpa,, "));
    }

    @Test
    void entriesOfAnArrayAreSplitToo() {
        assertEquals(List.of("a", "b", "c"), ConfigList.split("a", " b, c", "a"));
        assertEquals(List.of(), ConfigList.split());
        assertEquals(List.of(), ConfigList.split((String[]) null));
    }

    @Test
    void aRefusalNamesPidKeyValueAndRule() {
        ConfigReader reader = new ConfigReader("streamline.runtime", Map.of("workers", "-1"));
        ConfigRefused refused = assertThrows(ConfigRefused.class, () -> reader.intIn("workers", () -> -1, 1, 1024));
        assertEquals("configuration streamline.runtime: workers=-1 refused: an integer from 1 to 1024 is required", refused.getMessage());
    }

    @Test
    void aValueThatCannotBeReadIsRefusedWithItsKey() {
        ConfigReader reader = new ConfigReader("streamline.runtime", Map.of("workers", "abc"));
        ConfigRefused refused = assertThrows(ConfigRefused.class, () -> reader.intIn("workers", () -> {
            throw new IllegalStateException("cannot convert");
        }, 1, 1024));
        assertTrue(refused.getMessage().contains("workers=abc refused"), refused.getMessage());
    }

    @Test
    void aMalformedFilterIsRefusedWithItsKey() {
        ConfigReader reader = new ConfigReader("streamline.runtime", Map.of("wal.target", "(streamline.wal.type=file"));
        ConfigRefused refused = assertThrows(ConfigRefused.class, () -> reader.filter("wal.target", () -> "(streamline.wal.type=file"));
        assertTrue(refused.getMessage().startsWith("configuration streamline.runtime: wal.target=(streamline.wal.type=file refused: an LDAP filter"),
                refused.getMessage());
    }
}
