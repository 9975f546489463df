package streamline.testkit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import streamline.api.engine.SessionUpdate;
import streamline.api.flow.InvalidFlowException;
import streamline.api.processor.ConfigDescription;
import streamline.api.processor.ExpressionException;
import streamline.api.processor.FlowObject;
import streamline.api.processor.ItemOutcome;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.api.processor.TriggerContext;
import streamline.api.processor.TriggerProcessor;
import streamline.api.processor.TriggerResult;
import streamline.api.state.StateManager;
import streamline.api.state.StateScope;

/**
 * Runs a processor or a trigger in a plain unit test, without a framework or an engine: for plug-in
 * authors. Expressions are simplified: {@code ${key}} is replaced by the metadata value of
 * {@code key}, a missing key throws {@link ExpressionException}; anything richer (functions,
 * operators) needs the engine.
 *
 * <pre>{@code
 * ProcessorHarness.Result result = ProcessorHarness.of(new MyProcessor())
 *         .config(Map.of("suffix", "-${name}"))
 *         .metadata(Map.of("name", "x"))
 *         .content("hello")
 *         .run();
 * assertEquals("hello-x", result.contentAsString());
 * }</pre>
 */
public final class ProcessorHarness {

    private static final Pattern SIMPLE_EXPRESSION = Pattern.compile("\\$\\{\\s*([^}]*?)\\s*}");

    /** What a step gave: its output object, its output content (the input content when it wrote none), its log lines. */
    public record Result(FlowObject output, byte[] content, List<String> log) {
        public String contentAsString() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private final Processor processor;
    private Map<String, Object> config = Map.of();
    private Map<String, Object> metadata = Map.of();
    private String triggerMark = "";
    private byte[] content;
    private int attempt;
    private UUID sessionId = UUID.randomUUID();
    private final InMemoryState state = new InMemoryState();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private boolean initialized;

    private ProcessorHarness(Processor processor) {
        this.processor = Objects.requireNonNull(processor, "processor");
    }

    public static ProcessorHarness of(Processor processor) {
        return new ProcessorHarness(processor);
    }

    public ProcessorHarness config(Map<String, ?> values) {
        this.config = new LinkedHashMap<>(values);
        return this;
    }

    public ProcessorHarness metadata(Map<String, ?> values) {
        this.metadata = new LinkedHashMap<>(values);
        return this;
    }

    public ProcessorHarness triggerMark(String mark) {
        this.triggerMark = mark;
        return this;
    }

    public ProcessorHarness content(String text) {
        return content(text.getBytes(StandardCharsets.UTF_8));
    }

    public ProcessorHarness content(byte[] bytes) {
        this.content = bytes.clone();
        return this;
    }

    /** The id of the session the step runs in (random unless given: a repeated step of one session has the same). */
    public ProcessorHarness sessionId(UUID id) {
        this.sessionId = id;
        return this;
    }

    public ProcessorHarness attempt(int number) {
        this.attempt = number;
        return this;
    }

    /**
     * Calls {@code init} (once) and {@code process}, as the engine would for one step. The configuration is checked
     * first against what the processor's class declares ({@link ProcessorConfig}), as the engine checks a flow: a
     * mistake is an {@link InvalidFlowException} naming the key, an unknown key a line in the log.
     */
    public Result run() throws Exception {
        if (!initialized) {
            processor.init(checked(processor.getClass(), config, state, log));
            initialized = true;
        }
        Step step = new Step(config, metadata, state, log, content, attempt, sessionId);
        step.description = ConfigDescription.of(processor.getClass());
        FlowObject output = processor.process(new FlowObject(metadata, triggerMark), step);
        if (output == null) {
            throw new IllegalStateException("the processor returned null");
        }
        byte[] written = step.written == null ? (content == null ? new byte[0] : content) : step.written.toByteArray();
        return new Result(output, written, List.copyOf(log));
    }

    /**
     * Runs a trigger: {@link #init}, then {@link #trigger} as often as wanted, telling it what became of
     * the items ({@link #started}, {@link #notStarted}, or any outcome with {@link #itemsReceived}), and
     * {@link #sessionEnded}.
     */
    public static final class TriggerHarness {
        private final TriggerProcessor trigger;
        private final InMemoryState state;
        private final List<String> log = new CopyOnWriteArrayList<>();
        private final Map<String, Object> config;

        public TriggerHarness(TriggerProcessor trigger, Map<String, ?> config) {
            this(trigger, config, new InMemoryState());
        }

        /** A trigger on the state another harness left (as after a restart). */
        public TriggerHarness(TriggerProcessor trigger, Map<String, ?> config, InMemoryState state) {
            this.trigger = trigger;
            this.config = new LinkedHashMap<>(config);
            this.state = state;
        }

        /** Calls {@code init}, the configuration checked first as {@link ProcessorHarness#run()} says. */
        public TriggerHarness init() throws Exception {
            trigger.init(checked(trigger.getClass(), config, state, log));
            return this;
        }

        public List<TriggerResult> trigger(int capacity) throws Exception {
            TriggerCall call = new TriggerCall(config, state, log, capacity);
            call.description = ConfigDescription.of(trigger.getClass());
            return trigger.trigger(call);
        }

        public void itemsReceived(List<ItemOutcome> outcomes) {
            trigger.itemsReceived(outcomes);
        }

        /** Tells the trigger that every one of these items is durably started, as the engine does. */
        public void started(List<TriggerResult> items) {
            itemsReceived(items.stream().map(item -> ItemOutcome.started(item, UUID.randomUUID())).toList());
        }

        /** Tells the trigger that none of these items was started, for {@code reason}. */
        public void notStarted(List<TriggerResult> items, String reason) {
            itemsReceived(items.stream().map(item -> ItemOutcome.notStarted(item, reason)).toList());
        }

        public void sessionEnded(String triggerMark, String error) {
            trigger.sessionEnded(new SessionUpdate(UUID.randomUUID(), UUID.randomUUID(), true, error, triggerMark));
        }

        public InMemoryState state() {
            return state;
        }

        public List<String> log() {
            return List.copyOf(log);
        }
    }

    /** A processor's state kept in memory. */
    public static final class InMemoryState implements StateManager {
        private final Map<StateScope, Map<String, String>> scopes = new EnumMap<>(StateScope.class);

        @Override
        public synchronized Map<String, String> get(StateScope scope) {
            return Map.copyOf(scopes.getOrDefault(scope, Map.of()));
        }

        @Override
        public synchronized void set(StateScope scope, Map<String, String> newState) {
            scopes.put(scope, Map.copyOf(newState));
        }

        @Override
        public synchronized boolean replace(StateScope scope, Map<String, String> expected, Map<String, String> updated) {
            if (!get(scope).equals(Map.copyOf(expected))) {
                return false;
            }
            set(scope, updated);
            return true;
        }
    }

    /** A context for {@code init}, after checking {@code config} against what {@code implementation} declares. */
    private static Context checked(Class<?> implementation, Map<String, Object> config, StateManager state, List<String> log)
            throws InvalidFlowException {
        Context context = new Context(config, Map.of(), state, log);
        Optional<ConfigDescription> description = ConfigDescription.of(implementation);
        if (description.isPresent()) {
            List<String> errors = description.get().errors(config);
            if (!errors.isEmpty()) {
                throw new InvalidFlowException(context.flowName(), errors.stream()
                        .map(error -> "processor '" + context.processorName() + "': " + error).toList());
            }
            for (String unknown : description.get().unknownKeys(config)) {
                context.logger().log(System.Logger.Level.WARNING, "configuration key '" + unknown + "' is unknown to "
                        + implementation.getSimpleName() + "; it is ignored");
            }
        }
        context.description = description;
        return context;
    }

    private static class Context implements ProcessorContext {
        /** What the processor's class declares. */
        Optional<ConfigDescription> description = Optional.empty();
        private final UUID flowId = UUID.randomUUID();
        private final UUID processorId = UUID.randomUUID();
        private final Map<String, Object> config;
        private final Map<String, Object> metadata;
        private final StateManager state;
        private final System.Logger logger;

        Context(Map<String, Object> config, Map<String, Object> metadata, StateManager state, List<String> log) {
            this.config = config;
            this.metadata = metadata;
            this.state = state;
            this.logger = new ListLogger(log);
        }

        @Override
        public UUID flowId() {
            return flowId;
        }

        @Override
        public String flowName() {
            return "test-flow";
        }

        @Override
        public UUID processorId() {
            return processorId;
        }

        @Override
        public String processorName() {
            return "test-processor";
        }

        @Override
        public String processorType() {
            return "test";
        }

        @Override
        public Map<String, Object> rawConfiguration() {
            return config;
        }

        @Override
        public Optional<ConfigDescription> configDescription() {
            return description;
        }

        @Override
        public String config(String key) {
            return optionalConfig(key).orElseThrow(() -> new IllegalArgumentException("no configuration key '" + key + "'"));
        }

        @Override
        public List<String> configList(String key) {
            Object value = config.get(key);
            if (value == null) {
                return List.of();
            }
            if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
                throw new IllegalArgumentException("configuration key '" + key + "' must be a list of strings, was " + value);
            }
            return list.stream().map(element -> evaluate(key, (String) element)).toList();
        }

        @Override
        public Optional<String> optionalConfig(String key) {
            if (description.flatMap(declared -> declared.key(key)).isPresent()) {
                return optionalConfig(key, String.class); // by its name or alias, else its default
            }
            Object value = config.get(key);
            if (value == null) {
                return Optional.empty();
            }
            return Optional.of(evaluate(key, String.valueOf(value)));
        }

        @Override
        public String evaluate(String key, String text) {
            Matcher matcher = SIMPLE_EXPRESSION.matcher(text);
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                Object replacement = metadata.get(matcher.group(1));
                if (replacement == null) {
                    throw new ExpressionException("configuration key '" + key + "': no metadata key '" + matcher.group(1) + "'");
                }
                matcher.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(replacement)));
            }
            matcher.appendTail(out);
            return out.toString();
        }

        @Override
        public System.Logger logger() {
            return logger;
        }

        @Override
        public StateManager state() {
            return state;
        }
    }

    private static final class Step extends Context implements StepContext {
        private final UUID sessionId;
        private final byte[] input;
        private final int attempt;
        private ByteArrayOutputStream written;

        Step(Map<String, Object> config, Map<String, Object> metadata, StateManager state, List<String> log, byte[] input,
                int attempt, UUID sessionId) {
            super(config, metadata, state, log);
            this.sessionId = sessionId;
            this.input = input;
            this.attempt = attempt;
        }

        @Override
        public UUID sessionId() {
            return sessionId;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public boolean hasContent() {
            return input != null;
        }

        @Override
        public InputStream readContent() {
            return new ByteArrayInputStream(input == null ? new byte[0] : input);
        }

        @Override
        public OutputStream writeContent() {
            written = new ByteArrayOutputStream();
            return written;
        }
    }

    private static final class TriggerCall extends Context implements TriggerContext {
        private final int capacity;

        TriggerCall(Map<String, Object> config, StateManager state, List<String> log, int capacity) {
            super(config, Map.of(), state, log);
            this.capacity = capacity;
        }

        @Override
        public int capacity() {
            return capacity;
        }
    }

    /** Keeps log lines as {@code LEVEL message}. */
    private static final class ListLogger implements System.Logger {
        private final List<String> lines;

        ListLogger(List<String> lines) {
            this.lines = lines;
        }

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            lines.add(level + " " + message + (thrown == null ? "" : " " + thrown));
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + (params == null || params.length == 0 ? format : MessageFormat.format(format, params)));
        }

        @Override
        public void log(Level level, Supplier<String> message) {
            lines.add(level + " " + message.get());
        }
    }
}
