package streamline.processors.standard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.metatype.annotations.Designate;

import streamline.api.processor.ConfigKey;
import streamline.api.processor.ConfigType;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;

import streamline.config.support.ConfigList;

/**
 * Processor {@code RunExecutable}: runs a program, without a shell, and captures its output.
 *
 * <p>Configuration: {@code executable} (absolute path; must be on the operator's allow-list, PID
 * {@code streamline.processors.runexecutable}, key {@code allowed}), {@code arguments} (a list of
 * strings, taken literally), {@code args} (the Go key: a list of strings, each an expression) and/or
 * {@code arg1}, {@code arg2}, … (expressions), appended in that order, {@code timeoutSeconds} (default 60).
 *
 * <p>The session's content, if any, is the program's standard input. Metadata it sets:
 * {@code RunExecutable.ExitCode}, {@code RunExecutable.Output} and, the Go name, {@code RunExecutable.Stdout}
 * (standard output only), {@code RunExecutable.Error} (standard error): text cut at the configured limit; the
 * rest is read and dropped, never stored. Unlike the Go project, which mixes both streams into its
 * {@code RunExecutable.Stdout}, standard error is kept apart, so a program's output stays parseable. Fails when the
 * executable is not allowed, exits with a code other than 0 (the message names the executable and the status, with
 * the start of its standard output and of its standard error), or runs longer than its timeout (it is then killed
 * with every process it started). The executable runs under the name it is allowed as.
 */
@ProcessorConfig(description = "Runs an allowed program without a shell and captures its output.", otherKeys = "arg[0-9]+",
        keys = {
                @ConfigKey(name = "executable", required = true,
                        description = "Absolute path, listed in allowed of streamline.processors.runexecutable."),
                @ConfigKey(name = "arguments", type = ConfigType.LIST, description = "Arguments taken literally."),
                @ConfigKey(name = "args", type = ConfigType.LIST, description = "Arguments, each an expression (the Go key)."),
                @ConfigKey(name = "timeoutSeconds", type = ConfigType.INTEGER, defaultValue = "60",
                        description = "A longer run is killed with every process it started.") })
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=RunExecutable",
        configurationPid = "streamline.processors.runexecutable")
@Designate(ocd = RunExecutableConfig.class)
public class RunExecutable implements Processor {

    private static final Pattern ARGUMENT_KEY = Pattern.compile("arg(\\d+)");

    /** The allowed executables as the operator wrote them (normalised), each with the file it resolved to then. */
    private final Map<Path, Path> allowed = new TreeMap<>();
    /** The engine's environment variables a program gets: PATH, and what the operator lists. */
    private final Set<String> passedEnvironment = new TreeSet<>(Set.of("PATH"));
    private final int outputLimit;
    private final Path home;
    private Path executable;
    private System.Logger logger;

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
        passedEnvironment.addAll(ConfigList.split(environment.toArray(String[]::new)));
        for (String path : ConfigList.split(allowedExecutables.toArray(String[]::new))) {
            Path named = Path.of(path).toAbsolutePath().normalize();
            allowed.put(named, real(named));
        }
    }

    /**
     * A multi-call binary (BusyBox, toybox) picks what it does by the name it is run as: allowed as
     * {@code ls}, it is also {@code sh}. Flows may run it only by the names listed, never by another link to
     * it; the operator is warned, because its arguments can still ask it for another program.
     */
    private static void warnIfSharedByOtherNames(Path named, Path file, System.Logger logger) {
        boolean otherName = !named.getFileName().equals(file.getFileName());
        boolean hardLinked = false;
        try {
            hardLinked = ((Number) Files.getAttribute(file, "unix:nlink")).intValue() > 1;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no link count on this file system: the name check alone
        }
        if (otherName || hardLinked) {
            logger.log(System.Logger.Level.WARNING, "allowed executable " + named + " is " + file + ", a file "
                    + (otherName ? "of another name" : "with several names (hard links)") + ": if it is a multi-call binary"
                    + " (BusyBox, toybox), its arguments may make it another program, a shell included; allow a dedicated"
                    + " executable instead");
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
        // the name as written must be listed (a multi-call binary acts on its name), and still be the file it was then
        Path named = configured.normalize();
        Path listedAs = allowed.get(named);
        if (listedAs == null) {
            throw new IllegalArgumentException("executable " + named + " is not allowed: the operator lists allowed "
                    + "executables in the configuration streamline.processors.runexecutable, key 'allowed' (now: "
                    + allowed.keySet() + ")");
        }
        if (!real(named).equals(listedAs)) {
            throw new IllegalArgumentException("executable " + named + " is allowed as " + listedAs + " but now resolves to "
                    + real(named) + ": a link was changed since the allow-list was read; the operator must allow it again");
        }
        Object args = context.rawConfiguration().get("args");
        if (args != null && !(args instanceof List<?> list && list.stream().allMatch(String.class::isInstance))) {
            // refused when the flow activates, not at its first session
            throw new IllegalArgumentException("RunExecutable " + context.processorName() + " of flow " + context.flowName()
                    + ": 'args' must be a list of strings, such as [\"-v\", \"${name}\"], was " + args);
        }
        executable = named;
        warnIfSharedByOtherNames(named, listedAs, context.logger());
        this.logger = context.logger();
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
        command.addAll(step.configList("args"));
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
        long timeoutSeconds = step.config("timeoutSeconds", Long.class);
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
        // the engine's environment may hold secrets: a program gets only what the operator passes on
        Map<String, String> environment = builder.environment();
        environment.keySet().retainAll(passedEnvironment);
        ProcessRun.Result run;
        try {
            run = ProcessRun.run(builder, step.hasContent() ? step.readContent() : null, outputLimit,
                    Duration.ofSeconds(timeoutSeconds), executable.toString());
        } catch (ProcessRun.TimedOut e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        if (run.exitCode() != 0) {
            throw new IllegalStateException(executable + " exited with status " + run.exitCode() + "; standard output: "
                    + start(run.output()) + "; standard error: " + start(run.error()));
        }
        if (run.outputCut() || run.errorCut()) {
            logger.log(System.Logger.Level.WARNING, executable + " wrote more than " + outputLimit + " bytes to its "
                    + (run.outputCut() ? "standard output" : "standard error") + "; the rest was dropped");
        }
        return input.with("RunExecutable.ExitCode", run.exitCode()).with("RunExecutable.Output", run.output())
                .with("RunExecutable.Stdout", run.output()).with("RunExecutable.Error", run.error());
    }

    /** The first lines of an output, for a failure's message: at most 5 lines and 500 characters. */
    private static String start(String output) {
        String lines = output.strip().lines().limit(5).reduce((a, b) -> a + " | " + b).orElse("");
        if (lines.isEmpty()) {
            return "(none)";
        }
        return lines.length() > 500 ? lines.substring(0, 500) + "…" : lines;
    }

    private static int number(String key) {
        Matcher matcher = ARGUMENT_KEY.matcher(key);
        return matcher.matches() ? Integer.parseInt(matcher.group(1)) : Integer.MAX_VALUE;
    }
}
