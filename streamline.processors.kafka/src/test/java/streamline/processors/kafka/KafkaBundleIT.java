package streamline.processors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.util.tracker.ServiceTracker;

import streamline.api.processor.Processor;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.testkit.ProcessorHarness;
import streamline.testkit.ProcessorHarness.TriggerHarness;

/**
 * The bundle as built, in a real Felix with SCR: it resolves with the Kafka client inside it and no codec
 * installed, registers both processor types, and its instances publish and consume through a real broker
 * (the client loads its classes inside the framework). The API and slf4j come from the test's class path
 * through the system bundle, so the test talks to the instances through the same API classes.
 */
class KafkaBundleIT {

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();

    @TempDir
    Path storage;

    private Framework framework;

    @BeforeEach
    void startFramework() throws Exception {
        Map<String, String> properties = new HashMap<>();
        properties.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        properties.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, exports("streamline.api-") + ","
                + exports("slf4j-api-"));
        framework = new FrameworkFactory().newFramework(properties);
        framework.start();
        BundleContext context = framework.getBundleContext();
        List<Bundle> bundles = new ArrayList<>();
        for (String prefix : List.of("org.osgi.util.function-", "org.osgi.util.promise-", "org.osgi.service.component-",
                "org.apache.felix.scr-")) {
            bundles.add(context.installBundle(jar(prefix).toUri().toString()));
        }
        Path kafkaBundle = Path.of(System.getProperty("kafka.bundle"));
        assertEquals(true, Files.isRegularFile(kafkaBundle), "the bundle is built: " + kafkaBundle);
        bundles.add(context.installBundle(kafkaBundle.toUri().toString()));
        for (Bundle bundle : bundles) {
            bundle.start(); // throws with the missing requirement if it does not resolve
        }
    }

    @AfterEach
    void stopFramework() throws Exception {
        framework.stop();
        framework.waitForStop(30_000);
    }

    @Test
    void theBundleResolvesAndItsProcessorsPublishAndConsumeInsideTheFramework() throws Exception {
        Bundle bundle = Arrays.stream(framework.getBundleContext().getBundles())
                .filter(b -> b.getSymbolicName().equals("streamline.processors.kafka")).findFirst().orElseThrow();
        assertEquals(Bundle.ACTIVE, bundle.getState());
        BROKER.createTopic("in-framework", 1);

        Processor publish = service(Processor.class, "PublishKafka");
        assertNotEquals(PublishKafka.class, publish.getClass(), "the bundle's class, not the test class path's");
        ProcessorHarness.Result published = ProcessorHarness.of(publish)
                .config(Map.of("bootstrap_servers", BROKER.bootstrapServers(), "topic", "in-framework")).content("from Felix").run();
        assertEquals(0L, ((Number) published.output().metadata().get("PublishKafka.Offset")).longValue());
        publish.close();

        TriggerProcessor consume = service(TriggerProcessor.class, "ConsumeKafka");
        TriggerHarness harness = new TriggerHarness(consume, Map.of("bootstrap_servers", BROKER.bootstrapServers(),
                "topic_names", "in-framework", "consumer_group", "felix", "start_from_oldest", "true")).init();
        try {
            List<TriggerResult> items = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (items.isEmpty() && System.nanoTime() < deadline) {
                items = harness.trigger(10);
            }
            assertEquals(List.of("in-framework-0-0"), items.stream().map(TriggerResult::triggerMark).toList());
            try (var in = items.get(0).content().open()) {
                assertEquals("from Felix", new String(in.readAllBytes()));
            }
            harness.started(items);
        } finally {
            consume.close();
        }
    }

    /** A new instance of the prototype-scoped service of a processor type, as the engine takes one. */
    private <T> T service(Class<T> type, String processorType) throws Exception {
        BundleContext context = framework.getBundleContext();
        String filter = "(&(" + Constants.OBJECTCLASS + "=" + type.getName() + ")(" + Processor.TYPE_PROPERTY + "=" + processorType + "))";
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, context.createFilter(filter), null);
        tracker.open();
        try {
            assertNotNull(tracker.waitForService(30_000), processorType + " registered");
            ServiceReference<T> reference = tracker.getServiceReference();
            return context.getServiceObjects(reference).getService();
        } finally {
            tracker.close();
        }
    }

    /** The test class path's jar whose file name starts with {@code prefix}. */
    private static Path jar(String prefix) {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(classPath.split(File.pathSeparator)).map(Path::of)
                .filter(path -> path.getFileName().toString().startsWith(prefix) && path.toString().endsWith(".jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + prefix + "*.jar on the test class path"));
    }

    /** The Export-Package header of a jar of the class path, for the system bundle to export. */
    private static String exports(String prefix) throws Exception {
        try (JarFile jar = new JarFile(jar(prefix).toFile())) {
            return jar.getManifest().getMainAttributes().getValue(Constants.EXPORT_PACKAGE);
        }
    }
}
