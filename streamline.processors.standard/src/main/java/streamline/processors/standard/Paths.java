package streamline.processors.standard;

import java.nio.file.Path;

import org.osgi.framework.BundleContext;

import streamline.api.engine.StreamlineHome;

/** Where relative paths of processor configurations point: the framework property streamline.home, else the working directory. */
final class Paths {

    private Paths() {
    }

    static Path home(BundleContext context) {
        String home = context == null ? null : StreamlineHome.of(context::getProperty);
        return home == null || home.isBlank() ? Path.of("").toAbsolutePath() : Path.of(home).toAbsolutePath();
    }

    static Path resolve(Path home, String configured) {
        Path path = FileNames.of(configured.trim());
        return (path.isAbsolute() ? path : home.resolve(path)).normalize();
    }
}
