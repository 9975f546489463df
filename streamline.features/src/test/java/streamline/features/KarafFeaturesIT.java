package streamline.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import streamline.testkit.Eventually;

/**
 * Streamline installed into a real Apache Karaf the way a Karaf user installs it: the features repository
 * added, {@code streamline}, {@code streamline-jpa}, {@code streamline-kafka} and {@code streamline-examples} installed. Every bundle must be active and every
 * component satisfied, the shell commands must answer in Karaf's shell, a flow must run with its files under
 * {@code ${karaf.data}/streamline}, and configuration must come from Karaf's {@code etc/*.cfg}.
 */
class KarafFeaturesIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** A component line of Felix SCR's scr:list, and the state line after it. */
    private static final Pattern COMPONENT = Pattern.compile("(streamline\\.\\S+) in bundle .*\\R\\s+Id: \\d+, State:(\\w+)");

    @TempDir
    Path work;

    private Karaf karaf;

    @AfterEach
    void stop() throws Exception {
        if (karaf != null) {
            karaf.close();
        }
    }

    private static Path property(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException("system property " + name + " is not set: run this test through Maven (mvn verify)");
        }
        return Path.of(value);
    }

    @Test
    void theFeaturesInstallAndRunInKaraf() throws Exception {
        String version = System.getProperty("streamline.version");
        Path repository = Karaf.streamlineRepository(property("streamline.features"), property("streamline.root"), version,
                work.resolve("streamline-repository"));
        karaf = Karaf.unpack(property("karaf.distribution"), work,
                List.of(repository, property("karaf.extras"), property("maven.local.repository")));
        karaf.start();

        String installed = karaf.shell("feature:repo-add mvn:dev.streamline/streamline.features/" + version + "/xml/features",
                "feature:install streamline streamline-jpa streamline-kafka streamline-examples");
        assertTrue(!installed.contains("Error"), "the features install: " + installed + "\nlog: " + tail(karaf.log()));

        List<String> bundles = karaf.shell("bundle:list -t 0").lines().filter(line -> line.contains("| Streamline")).toList();
        assertEquals(14, bundles.size(), "every Streamline bundle of the four features: " + bundles);
        for (String bundle : bundles) {
            assertTrue(bundle.contains("| Active"), "active: " + bundle);
        }
        awaitComponents();

        // a flow from the flows folder under ${karaf.data}/streamline, through the file roots there
        Path home = karaf.home.resolve("data/streamline");
        Files.createDirectories(home.resolve("inbox"));
        Files.createDirectories(home.resolve("outbox"));
        Files.writeString(home.resolve("flows/karaf.json"), """
                {"name": "karaf",
                 "processors": [{"name": "Store", "type": "WriteFile", "config": {"path": "outbox/${ReadDir.Name}"}}],
                 "triggerProcessors": [{"name": "Inbox", "type": "ReadDir", "config": {"input": "inbox", "minAgeMillis": "0"}}],
                 "flow": "Store"}
                """, StandardCharsets.UTF_8);
        Eventually.await("the flow listed by streamline:flows in Karaf's shell", TIMEOUT,
                () -> shell("streamline:flows").contains("karaf"), () -> tail(karaf.log()));
        passThrough(home, "first.txt");
        assertEquals("{\"wal\":\"file\",\"flowStore\":\"jpa\"}", Files.readString(home.resolve("data/runtime/in-use.json")).strip());

        // configuration from Karaf's etc/: the JPA log, on the same PID a launcher user edits
        Files.writeString(karaf.home.resolve("etc/streamline.runtime.cfg"), "wal.target=(streamline.wal.type=jpa)\n");
        Eventually.await("the engine on the JPA log", TIMEOUT,
                () -> text(home.resolve("data/runtime/in-use.json")).contains("\"wal\":\"jpa\""),
                () -> tail(karaf.log()));
        passThrough(home, "second.txt");
        assertTrue(Files.isDirectory(home.resolve("data/derby/wal")), "the JPA log's Derby database under the home");
    }

    private void awaitComponents() throws Exception {
        List<String> notReady = new ArrayList<>();
        Eventually.await("every Streamline component satisfied", TIMEOUT, () -> {
            notReady.clear();
            Matcher component = COMPONENT.matcher(shell("scr:list"));
            int seen = 0;
            while (component.find()) {
                seen++;
                if (!List.of("ACTIVE", "SATISFIED").contains(component.group(2))) {
                    notReady.add(component.group(1) + " " + component.group(2));
                }
            }
            // 15 of the engine's bundles, the two Kafka processors and the two examples'
            return seen >= 19 && notReady.isEmpty();
        }, () -> notReady + "\n" + tail(karaf.log()));
    }

    private void passThrough(Path home, String name) throws IOException {
        Path staged = work.resolve(name);
        Files.writeString(staged, "through Karaf: " + name + "\n", StandardCharsets.UTF_8);
        Files.move(staged, home.resolve("inbox").resolve(name), StandardCopyOption.ATOMIC_MOVE);
        Path out = home.resolve("outbox").resolve(name);
        Eventually.await(name + " through the flow", TIMEOUT, () -> Files.isRegularFile(out), () -> tail(karaf.log()));
        assertEquals("through Karaf: " + name + "\n", Files.readString(out, StandardCharsets.UTF_8));
    }

    /** A shell command's output, for conditions polled until they hold. */
    private String shell(String command) {
        try {
            return karaf.shell(command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
