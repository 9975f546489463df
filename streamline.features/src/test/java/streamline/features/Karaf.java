package streamline.features;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Apache Karaf, unpacked from its distribution and run as a child process, on loopback ports
 * of its own and offline: it finds bundles only in its own {@code system/} folder and in the Maven
 * repositories the test names. Commands go through {@code bin/client} over its SSH port.
 */
final class Karaf implements AutoCloseable {

    private static final Pattern STREAMLINE_ARTIFACT = Pattern.compile("<bundle[^>]*>mvn:dev\\.streamline/([^/]+)/([^/<\\s]+)</bundle>");

    final Path home;
    private final Path work;
    private final int sshPort;
    private Process process;

    private Karaf(Path work, Path home, int sshPort) {
        this.work = work;
        this.home = home;
        this.sshPort = sshPort;
    }

    /** Unpacks the distribution into {@code work} and configures it: loopback ports, a user, and offline repositories. */
    static Karaf unpack(Path distribution, Path work, List<Path> repositories) throws IOException, InterruptedException {
        Process tar = new ProcessBuilder("tar", "-xzf", distribution.toString(), "-C", work.toString()).inheritIO().start();
        if (tar.waitFor() != 0) {
            throw new IOException("cannot unpack " + distribution + ": tar exited with " + tar.exitValue());
        }
        Path home;
        try (var unpacked = Files.list(work)) {
            home = unpacked.filter(p -> p.getFileName().toString().startsWith("apache-karaf-")).findFirst()
                    .orElseThrow(() -> new IOException("no apache-karaf-* folder in " + distribution));
        }
        Karaf karaf = new Karaf(work, home, freePort());
        karaf.configure(repositories);
        return karaf;
    }

    private void configure(List<Path> repositories) throws IOException {
        Path etc = home.resolve("etc");
        replace(etc.resolve("org.apache.karaf.shell.cfg"), Map.of("sshPort", String.valueOf(sshPort), "sshHost", "127.0.0.1"));
        replace(etc.resolve("org.apache.karaf.management.cfg"), Map.of("rmiRegistryPort", String.valueOf(freePort()),
                "rmiServerPort", String.valueOf(freePort()), "rmiRegistryHost", "127.0.0.1", "rmiServerHost", "127.0.0.1"));
        Files.writeString(etc.resolve("users.properties"), "karaf = karaf,_g_:admingroup\n"
                + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n", StandardCharsets.UTF_8);
        StringBuilder defaults = new StringBuilder("${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots");
        int i = 0;
        for (Path repository : repositories) {
            defaults.append(", ").append(repository.toUri()).append("@id=test").append(i++).append("@snapshots");
        }
        Files.writeString(etc.resolve("org.ops4j.pax.url.mvn.cfg"), String.join("\n",
                "org.ops4j.pax.url.mvn.useFallbackRepositories=false",
                "org.ops4j.pax.url.mvn.localRepository=" + work.resolve("karaf-local-repository"),
                "org.ops4j.pax.url.mvn.defaultRepositories=" + defaults,
                // no remote repository: the test runs offline
                "org.ops4j.pax.url.mvn.repositories=", ""), StandardCharsets.UTF_8);
    }

    /** Sets keys of a Karaf {@code .cfg} file, keeping its other lines. */
    private static void replace(Path cfg, Map<String, String> values) throws IOException {
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(cfg, StandardCharsets.UTF_8)) {
            String key = line.contains("=") ? line.substring(0, line.indexOf('=')).trim() : "";
            if (!values.containsKey(key)) {
                out.append(line).append('\n');
            }
        }
        values.forEach((key, value) -> out.append(key).append(" = ").append(value).append('\n'));
        Files.writeString(cfg, out, StandardCharsets.UTF_8);
    }

    /**
     * A Maven repository with the Streamline artifacts a features file names, as built in this checkout
     * ({@code <root>/<artifact>/target} or {@code <root>/examples/<artifact>/target}), and the features file itself.
     */
    static Path streamlineRepository(Path features, Path root, String version, Path into) throws IOException {
        String xml = Files.readString(features, StandardCharsets.UTF_8);
        Matcher artifact = STREAMLINE_ARTIFACT.matcher(xml);
        while (artifact.find()) {
            String name = artifact.group(1);
            String jar = name + "-" + artifact.group(2) + ".jar";
            Path built = root.resolve(name).resolve("target").resolve(jar);
            if (!Files.isRegularFile(built)) {
                built = root.resolve("examples").resolve(name).resolve("target").resolve(jar);
            }
            if (!Files.isRegularFile(built)) {
                throw new IOException(features + " names " + name + " " + artifact.group(2) + ", which is not built: no " + built);
            }
            Path target = Files.createDirectories(into.resolve("dev/streamline").resolve(name).resolve(artifact.group(2)));
            Files.copy(built, target.resolve(jar));
        }
        Path folder = Files.createDirectories(into.resolve("dev/streamline/streamline.features").resolve(version));
        Files.copy(features, folder.resolve("streamline.features-" + version + "-features.xml"));
        return into;
    }

    void start() throws IOException {
        process = javaHome(new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")).directory(home.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                .redirectOutput(work.resolve("karaf-console.log").toFile()).start();
    }

    /** Karaf's scripts find Java through JAVA_HOME: the Java running this test. */
    private static ProcessBuilder javaHome(ProcessBuilder builder) {
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return builder;
    }

    /**
     * Runs shell commands through {@code bin/client}, each piped through {@code cat} so that its output
     * reaches the client in batch mode; retries the connection while the SSH server starts.
     */
    String shell(String... commands) throws IOException, InterruptedException {
        StringBuilder script = new StringBuilder();
        for (String command : commands) {
            script.append(command).append(" | cat\n");
        }
        Path input = Files.writeString(Files.createTempFile(work, "commands", ".txt"), script, StandardCharsets.UTF_8);
        Path output = Files.createTempFile(work, "output", ".txt");
        Process client = javaHome(new ProcessBuilder(home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort), "-h", "127.0.0.1",
                "-u", "karaf", "-p", "karaf", "-r", "60", "-d", "2", "-b"))
                .directory(home.toFile()).redirectInput(input.toFile()).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        if (!client.waitFor(5, TimeUnit.MINUTES)) {
            client.destroyForcibly();
            throw new IOException("bin/client did not finish " + List.of(commands) + " within 5 minutes: "
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        return Files.readString(output, StandardCharsets.UTF_8).replaceAll("\u001B\\[[;\\d]*m", "");
    }

    String log() {
        try {
            return Files.readString(home.resolve("data/log/karaf.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code bin/stop}, then the whole process tree (the script and its Java), whatever is left of it. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (process == null) {
            return;
        }
        Process stop = javaHome(new ProcessBuilder(home.resolve("bin/stop").toString())).directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("karaf-stop.log").toFile()).start();
        stop.waitFor(60, TimeUnit.SECONDS);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
