package streamline.runtime.osgi;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * When the JVM is asked to stop (SIGTERM, Ctrl-C), stops the framework cleanly first, so running
 * steps finish and are logged, triggers hear about the sessions that ended, and the logs and
 * databases close. Only when the framework property {@value #PROPERTY} is {@code true} (the
 * launcher sets it): in a container of its own (Karaf, …) the container decides how it stops.
 */
// a stable component name (scr:list, the shell, Config Admin tooling), independent of the class's package
@Component(name = "streamline.runtime.FrameworkShutdownHook", service = {}, immediate = true)
public class FrameworkShutdownHook {

    static final String PROPERTY = "streamline.stop.framework.on.exit";

    private static final Logger LOG = LogManager.getLogger(FrameworkShutdownHook.class);
    private static final long STOP_WAIT_MS = 60_000;
    /** The launcher's exit status when the framework did not stop cleanly (see the README's exit codes). */
    static final int UNCLEAN_EXIT = 1;

    private Thread hook;

    @Activate
    void activate(BundleContext context) {
        if (!Boolean.parseBoolean(context.getProperty(PROPERTY))
                || !(context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION) instanceof Framework framework)) {
            return;
        }
        hook = new Thread(() -> stop(framework), "streamline-framework-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private static void stop(Framework framework) {
        try {
            LOG.info("the JVM is stopping: stopping the framework first");
            framework.stop();
            if (framework.waitForStop(STOP_WAIT_MS).getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                unclean("still stopping after " + STOP_WAIT_MS / 1000 + " s");
            }
        } catch (BundleException | InterruptedException | RuntimeException e) {
            unclean(e.toString());
        }
    }

    /** The exit status says so: a stop that exits 0 was a clean one. */
    private static void unclean(String why) {
        LOG.error("the framework did not stop cleanly: {}; exiting with status {}", why, UNCLEAN_EXIT);
        Runtime.getRuntime().halt(UNCLEAN_EXIT);
    }

    @Deactivate
    void deactivate() {
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is stopping: this deactivation is the hook's own doing
        }
    }
}
