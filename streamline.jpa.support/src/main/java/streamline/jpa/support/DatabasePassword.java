package streamline.jpa.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A database password from a JPA component's configuration: the first line of {@code password.file} when it is set
 * (so that no listing of the configuration or the service shows it), else the private {@code .password}.
 */
public final class DatabasePassword {

    private DatabasePassword() {
    }

    /**
     * @param pid the configuration's PID, named in errors
     * @param password the value of {@code .password}
     * @param passwordFile the value of {@code password.file}, relative to {@code home} unless absolute; blank for none
     * @param home the Streamline home, or null
     * @throws IllegalArgumentException if the file cannot be read, naming the PID, the key and the file
     */
    public static String of(String pid, String password, String passwordFile, String home) {
        if (passwordFile.isBlank()) {
            return password;
        }
        Path file = Path.of(passwordFile);
        if (!file.isAbsolute() && home != null && !home.isBlank()) {
            file = Path.of(home).resolve(file);
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("configuration " + pid + ": password.file=" + passwordFile + " cannot be read: " + e, e);
        }
    }
}
