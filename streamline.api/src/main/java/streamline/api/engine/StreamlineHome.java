package streamline.api.engine;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Where Streamline keeps its files ({@code flows/}, {@code data/}, the file roots), which every
 * component resolves its relative paths against: the framework (or system) property
 * {@value #PROPERTY}; in Apache Karaf, where that is unset, {@code <karaf.data>/streamline}, so that
 * nothing lands in the directory Karaf happened to be started from; else none, and relative paths are
 * the working directory's.
 *
 * @since 1.2
 */
public final class StreamlineHome {

    /** The framework property naming the home. */
    public static final String PROPERTY = "streamline.home";
    /** The framework property with which Apache Karaf names its data folder. */
    public static final String KARAF_DATA = "karaf.data";

    private StreamlineHome() {
    }

    /**
     * @param properties the framework's properties, such as {@code bundleContext::getProperty}
     * @return the home as configured, or null if none is (relative paths then resolve against the working directory)
     */
    public static String of(UnaryOperator<String> properties) {
        String home = properties.apply(PROPERTY);
        if (home != null && !home.isBlank()) {
            return home.trim();
        }
        String karafData = properties.apply(KARAF_DATA);
        if (karafData != null && !karafData.isBlank()) {
            return Path.of(karafData.trim()).resolve("streamline").toString();
        }
        return null;
    }
}
