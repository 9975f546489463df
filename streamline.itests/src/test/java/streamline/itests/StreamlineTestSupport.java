package streamline.itests;

import static org.junit.Assert.assertNotNull;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.io.File;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

import streamline.testkit.Eventually;

/**
 * What every integration test shares: the platform (SCR, Config Admin, Metatype, Log4j 2), the
 * project's bundles from the jars this build just made, and helpers that wait for services and
 * conditions with a timeout and a clear message.
 */
public abstract class StreamlineTestSupport {

    protected static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Inject
    protected BundleContext context;

    @Configuration
    public Option[] config() {
        return options(platform(), streamlineBundles(), extraOptions());
    }

    /** Further options of a test class (more bundles, configuration). */
    protected Option extraOptions() {
        return composite();
    }

    public static Option platform() {
        return composite(
                cleanCaches(true),
                workingDirectory(System.getProperty("streamline.itests.work", "target/itest-work") + "/pax"),
                frameworkProperty("org.osgi.framework.storage.clean").value("onFirstInit"),
                // each framework gets a home of its own, for the files components keep (WAL, databases)
                frameworkProperty("streamline.home").value(
                        System.getProperty("streamline.itests.work", "target/itest-work") + "/home-" + UUID.randomUUID()),
                systemProperty("pax.exam.logging").value("none"),
                junitBundles(),
                mavenBundle("org.slf4j", "slf4j-api").versionAsInProject(),
                mavenBundle("org.slf4j", "slf4j-simple").versionAsInProject().noStart(),
                mavenBundle("org.apache.logging.log4j", "log4j-api").versionAsInProject(),
                mavenBundle("org.apache.logging.log4j", "log4j-core").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.log").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.metatype").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.metatype").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject());
    }

    /** The project's bundles, installed from the jars of this build. */
    public static Option streamlineBundles() {
        return composite(
                projectBundle("streamline.api"),
                projectBundle("streamline.tracker"),
                projectBundle("streamline.flow.memory"),
                projectBundle("streamline.wal.file"),
                mavenBundle("org.osgi", "org.osgi.service.jdbc").versionAsInProject(),
                mavenBundle("jakarta.persistence", "jakarta.persistence-api").versionAsInProject(),
                mavenBundle("org.eclipse.persistence", "org.eclipse.persistence.asm").versionAsInProject(),
                mavenBundle("org.eclipse.persistence", "org.eclipse.persistence.core").versionAsInProject(),
                mavenBundle("org.eclipse.persistence", "org.eclipse.persistence.jpa.jpql").versionAsInProject(),
                mavenBundle("org.eclipse.persistence", "org.eclipse.persistence.jpa").versionAsInProject(),
                mavenBundle("com.github.ben-manes.caffeine", "caffeine").versionAsInProject(),
                mavenBundle("com.fasterxml.jackson.core", "jackson-annotations").versionAsInProject(),
                mavenBundle("com.fasterxml.jackson.core", "jackson-core").versionAsInProject(),
                mavenBundle("com.fasterxml.jackson.core", "jackson-databind").versionAsInProject(),
                projectBundle("streamline.derby"),
                projectBundle("streamline.flow.jpa"),
                projectBundle("streamline.wal.jpa"),
                projectBundle("streamline.testkit"),
                bundle(jarUrl(new File(System.getProperty("streamline.itests.jar")))));
    }

    /**
     * The engine and what it needs. Only tests of the engine install it: it takes over the unfinished
     * sessions of any log it is given, which would change what tests of the logs themselves see.
     */
    public static Option runtimeBundles() {
        return composite(
                mavenBundle("commons-logging", "commons-logging").versionAsInProject(),
                mavenBundle("org.apache.commons", "commons-jexl3").versionAsInProject(),
                mavenBundle("org.quartz-scheduler", "quartz").versionAsInProject(),
                projectBundle("streamline.runtime"));
    }

    /** A project module's jar, e.g. {@code streamline.tracker}. */
    public static Option projectBundle(String module) {
        File jar = new File(System.getProperty("streamline.root"),
                module + "/target/" + module + "-" + System.getProperty("streamline.version") + ".jar");
        return bundle(jarUrl(jar));
    }

    private static String jarUrl(File jar) {
        if (!jar.isFile()) {
            throw new IllegalStateException("bundle " + jar + " not built: run the tests through 'mvn verify' from the top level");
        }
        return jar.toURI().toString();
    }

    /**
     * Waits for a service matching {@code filter} (may be null), failing with a clear message after
     * the timeout. The test keeps using the service until its bundle stops, so a delayed component
     * stays active and a service factory (Config Admin) keeps its instance.
     */
    protected <T> T awaitService(Class<T> type, String filter) {
        String full = "(objectClass=" + type.getName() + ")";
        if (filter != null) {
            full = "(&" + full + filter + ")";
        }
        ServiceTracker<T, T> tracker;
        try {
            tracker = new ServiceTracker<>(context, FrameworkUtil.createFilter(full), null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(full, e);
        }
        tracker.open();
        try {
            assertNotNull("no service " + full + " within " + TIMEOUT, tracker.waitForService(TIMEOUT.toMillis()));
            ServiceReference<T> reference = tracker.getServiceReference();
            T service = context.getService(reference);
            assertNotNull("service " + full + " went away", service);
            return service;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + full, e);
        } finally {
            tracker.close();
        }
    }

    /** Waits until {@code condition} holds, polling; fails with {@code what} and the last observed state. */
    protected static void await(String what, BooleanSupplier condition, Supplier<Object> observed) {
        Eventually.await(what, TIMEOUT, condition, observed);
    }
}
