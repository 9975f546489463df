package streamline.launcher;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as shipped carries the Kafka processors: a flow using {@code PublishKafka} activates, and with no
 * broker at its address the step waits ("not now"), while the Kafka client's own log lines, written through slf4j,
 * reach the engine's Log4j log.
 */
class LauncherKafkaIT {

    @TempDir
    Path work;

    private Launched launcher;

    @AfterEach
    void stop() throws InterruptedException {
        if (launcher != null) {
            launcher.close();
        }
    }

    @Test
    void aKafkaFlowRunsAndTheClientLogsThroughLog4j() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        launcher = new Launched(work, "LauncherKafkaIT");
        Path home = launcher.home;
        Files.createDirectories(home.resolve("flows"));
        Files.createDirectories(home.resolve("inbox/kafka"));
        Files.writeString(home.resolve("flows/kafka.json"), """
                {"name": "kafka",
                 "processors": [{"name": "Publish", "type": "PublishKafka",
                   "config": {"bootstrap_servers": "127.0.0.1:%d", "topic": "events", "max.block.ms": "500"}}],
                 "triggerProcessors": [{"name": "In", "type": "ReadDir", "config": {"input": "inbox/kafka", "minAgeMillis": "0"}}],
                 "flow": "Publish"}
                """.formatted(closedPort));
        launcher.start();
        launcher.await("the Kafka flow active", () -> launcher.log().contains("flow kafka ("),
                () -> launcher.log().lines().filter(line -> line.contains("flow ") || line.contains("Kafka")).toList());

        Path staged = work.resolve("event.txt");
        Files.writeString(staged, "an event\n", StandardCharsets.UTF_8);
        Files.move(staged, home.resolve("inbox/kafka/event.txt"), StandardCopyOption.ATOMIC_MOVE);
        String waits = "waits, no retry spent: cannot publish to topic 'events' at 127.0.0.1:" + closedPort
                + ", the broker is not ready";
        launcher.await("the publish step waiting for the broker", () -> launcher.log().contains(waits),
                () -> launcher.log().lines().filter(line -> line.contains("Publish") || line.contains("kafka")).toList());
        launcher.await("the Kafka client's own lines in the engine's log", () -> launcher.log().lines()
                .anyMatch(line -> line.contains(" org.apache.kafka.") && line.contains("127.0.0.1:" + closedPort)),
                () -> launcher.log().lines().filter(line -> line.contains("kafka")).toList());
        assertTrue(launcher.list("inbox/kafka").contains("event.txt"), "the file stays while its session waits");

        launcher.stop();
        String output = Files.readString(work.resolve("process-1.log"), StandardCharsets.UTF_8);
        assertFalse(output.contains("SLF4J:"), "slf4j found its binding: " + output);
    }
}
