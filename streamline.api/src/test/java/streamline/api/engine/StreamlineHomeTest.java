package streamline.api.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

class StreamlineHomeTest {

    @Test
    void theHomeIsTheConfiguredOneThenKarafsDataFolderThenNone() {
        Map<String, String> both = Map.of("streamline.home", " /srv/streamline ", "karaf.data", "/opt/karaf/data");
        assertEquals("/srv/streamline", StreamlineHome.of(both::get));
        Map<String, String> karaf = Map.of("streamline.home", " ", "karaf.data", "/opt/karaf/data");
        assertEquals(Path.of("/opt/karaf/data/streamline").toString(), StreamlineHome.of(karaf::get));
        Map<String, String> neither = Map.of();
        assertNull(StreamlineHome.of(neither::get));
    }
}
