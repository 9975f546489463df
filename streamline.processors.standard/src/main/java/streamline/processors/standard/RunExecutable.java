package streamline.processors.standard;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;

/**
 * Processor {@code RunExecutable}: runs a program, without a shell, and captures its output.
 *
 * <p>Configuration: {@code executable} (absolute path; must be on the operator's allow-list, PID
 * {@code streamline.processors.runexecutable}, key {@code allowed}), {@code arguments} (a list of
 * strings, taken literally) and/or {@code arg1}, {@code arg2}, … (expressions, appended in number
 * order), {@code timeoutSeconds} (default 60).
 *
 * <p>The session's content, if any, is the program's standard input. Metadata it sets:
 * {@code RunExecutable.ExitCode}, {@code RunExecutable.Output} and {@code RunExecutable.Error}
 * (standard output and error as text, cut at the configured limit). Fails when the executable is
 * not allowed, exits with a code other than 0 (the message carries the start of its standard
 * error), or runs longer than its timeout (it is then killed).
 */
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=RunExecutable",
        configurationPid = "streamline.processors.runexecutable")
@Designate(ocd = RunExecutableConfig.class)
public class RunExecutable implements Processor {

    private static final Pattern ARGUMENT_KEY = Pattern.compile("arg(\\d+)");

    private final Set<Path> allowed = new TreeSet<>();
    /** The engine's environment variables a program gets: PATH, and what the operator lists. */
    private final Set<String> passedEnvironment = new TreeSet<>(Set.of("PATH"));
    private final int outputLimit;
    private final Path home;
    private Path executable;

    @Activate
    public RunExecutable(BundleContext context, RunExecutableConfig config) {
        this(Paths.home(context), List.of(config.allowed()), config.output_limit_bytes(), List.of(config.environment()));
    }

    /** A program gets {@code PATH} only from the engine's environment. */
    public RunExecutable(Path home, List<String> allowedExecutables, int outputLimit) {
        this(home, allowedExecutables, outputLimit, List.of());
    }

    /** @param environment names of the engine's environment variables a program gets besides {@code PATH} */
    public RunExecutable(Path home, List<String> allowedExecutables, int outputLimit, List<String> environment) {
        this.home = home;
        this.outputLimit = outputLimit;
        for (String entry : environment) {
            for (String name : entry.split(",")) {
                if (!name.isBlank()) {
                    passedEnvironment.add(name.trim());
                }
            }
        }
        for (String entry : allowedExecutables) {
            for (String path : entry.split(",")) {
                if (!path.isBlank()) {
                    allowed.add(real(Path.of(path.trim())));
                }
            }
        }
    }

    private static Path real(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    @Override
    public void init(ProcessorContext context) {
        Path configured = Path.of(context.config("executable").trim());
        if (!configured.isAbsolute()) {
            throw new IllegalArgumentException("executable must be an absolute path, was '" + configured + "'");
        }
        executable = real(configured);
        if (!allowed.contains(executable)) {
            throw new IllegalArgumentException("executable " + executable + " is not allowed: the operator lists allowed "
                    + "executables in the configuration streamline.processors.runexecutable, key 'allowed' (now: " + allowed + ")");
        }
    }

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        Object literal = step.rawConfiguration().get("arguments");
        if (literal instanceof List<?> list) {
            list.forEach(argument -> command.add(String.valueOf(argument)));
        } else if (literal != null) {
            throw new IllegalArgumentException("arguments must be a list of strings, was " + literal);
        }
        List<String> numbered = new ArrayList<>();
        for (String key : step.rawConfiguration().keySet()) {
            if (ARGUMENT_KEY.matcher(key).matches()) {
                numbered.add(key);
            }
        }
        numbered.sort(Comparator.comparingInt(RunExecutable::number));
        for (String key : numbered) {
            command.add(step.config(key));
        }
        long timeoutSeconds = Long.parseLong(step.optionalConfig("timeoutSeconds").orElse("60").trim());
        Path work = Files.createTempDirectory("streamline-run-");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                    .redirectOutput(work.resolve("out").toFile()).redirectError(work.resolve("err").toFile());
            // the engine's environment may hold secrets: a program gets only what the operator passes on
            Map<String, String> environment = builder.environment();
            environment.keySet().retainAll(passedEnvironment);
            if (step.hasContent()) {
                Path stdin = work.resolve("in");
                try (InputStream content = step.readContent()) {
                    Files.copy(content, stdin);
                }
                builder.redirectInput(stdin.toFile());
            } else {
                builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            Process process = builder.start();
            boolean exited;
            try {
                exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                throw e;
            }
            if (!exited) {
                process.destroyForcibly();
                throw new IllegalStateException(executable + " ran longer than " + timeoutSeconds + " s and was killed");
            }
            String output = read(work.resolve("out"));
            String error = read(work.resolve("err"));
            if (process.exitValue() != 0) {
                throw new IllegalStateException(executable + " exited with " + process.exitValue()
                        + (error.isBlank() ? "" : ": " + error.strip().lines().limit(5).reduce((a, b) -> a + " | " + b).orElse("")));
            }
            return input.with("RunExecutable.ExitCode", process.exitValue()).with("RunExecutable.Output", output)
                    .with("RunExecutable.Error", error);
        } finally {
            try (var files = Files.list(work)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(work);
        }
    }

    private static int number(String key) {
        Matcher matcher = ARGUMENT_KEY.matcher(key);
        return matcher.matches() ? Integer.parseInt(matcher.group(1)) : Integer.MAX_VALUE;
    }

    private String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(outputLimit), StandardCharsets.UTF_8);
        }
    }
}
