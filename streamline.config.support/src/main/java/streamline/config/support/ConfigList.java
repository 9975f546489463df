package streamline.config.support;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The one reading of a list value: a {@code .cfg} file gives one string ({@code a, b}), a {@code .config} file or
 * Config Admin an array; every entry is split at commas, each name trimmed, blanks and repeats dropped, the
 * order kept.
 */
public final class ConfigList {

    private ConfigList() {
    }

    public static List<String> split(String... entries) {
        Set<String> names = new LinkedHashSet<>();
        if (entries != null) {
            for (String entry : entries) {
                if (entry == null) {
                    continue;
                }
                for (String name : entry.split(",")) {
                    if (!name.isBlank()) {
                        names.add(name.trim());
                    }
                }
            }
        }
        return List.copyOf(new ArrayList<>(names));
    }
}
