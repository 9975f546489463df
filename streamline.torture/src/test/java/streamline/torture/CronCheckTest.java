package streamline.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness's cron check: a second call of one flow's cron trigger for the same tick (every two seconds) is reported. */
class CronCheckTest {

    @TempDir
    Path directory;

    private World world() throws Exception {
        return new World(directory, new Schedule.Config(2, "always", "file", "memory", 1),
                EnumSet.of(Feature.BASIC_ITEMS, Feature.CRON_TRIGGER));
    }

    @Test
    void aSecondCallForTheSameTickIsReported() throws Exception {
        World world = world();
        Disk.Generation generation = new Disk.Generation(1);
        world.cronCalled("t1", generation, Instant.ofEpochSecond(1_000, 100_000_000));
        assertTrue(world.violations().isEmpty(), world.violations()::toString);
        // 1001.9 s still belongs to the tick at 1000 s: fired twice, or the tick at 1002 s fired early
        world.cronCalled("t1", generation, Instant.ofEpochSecond(1_001, 900_000_000));
        assertEquals(1, world.violations().size(), world.violations()::toString);
        assertTrue(world.violations().get(0).contains("called twice for the tick at 1970-01-01T00:16:40Z"), world.violations()::toString);
    }

    @Test
    void callsOnConsecutiveTicksAndOfOtherGenerationsOrFlowsAreNot() throws Exception {
        World world = world();
        Disk.Generation first = new Disk.Generation(1);
        Disk.Generation second = new Disk.Generation(2);
        world.cronCalled("t1", first, Instant.ofEpochSecond(1_000, 900_000_000));
        world.cronCalled("t1", first, Instant.ofEpochSecond(1_002));
        world.cronCalled("t1", second, Instant.ofEpochSecond(1_002, 500_000_000));
        world.cronCalled("t0", first, Instant.ofEpochSecond(1_002, 600_000_000));
        assertTrue(world.violations().isEmpty(), world.violations()::toString);
    }

    @Test
    void aDeadGenerationsCallIsNotCounted() throws Exception {
        World world = world();
        Disk.Generation dead = new Disk.Generation(1);
        world.cronCalled("t1", dead, Instant.ofEpochSecond(1_000));
        dead.dead = true;
        world.cronCalled("t1", dead, Instant.ofEpochSecond(1_000, 500_000_000));
        assertTrue(world.violations().isEmpty(), world.violations()::toString);
    }
}
