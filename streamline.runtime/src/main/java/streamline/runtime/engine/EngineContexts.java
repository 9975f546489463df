package streamline.runtime.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import streamline.api.processor.ConfigDescription;
import streamline.api.processor.ProcessorContext;
import streamline.api.processor.StepContext;
import streamline.api.processor.TriggerContext;
import streamline.api.state.StateManager;

import streamline.runtime.content.ContentStore;
import streamline.runtime.expressions.ExpressionEvaluator;

/** The contexts the engine gives processors: for init and triggers, and for one step. */
final class EngineContexts {

    private EngineContexts() {
    }

    /** A processor's (or trigger's) place in a flow; configuration evaluated without session metadata. */
    static class Base implements ProcessorContext {
        private final UUID flowId;
        private final String flowName;
        private final UUID processorId;
        private final String processorName;
        private final String processorType;
        private final Map<String, Object> configuration;
        private final System.Logger logger;
        private final StateManager state;
        private final ExpressionEvaluator expressions;
        /** What the processor's class declares; set before its init, by the thread that makes the instance. */
        private volatile Optional<ConfigDescription> description = Optional.empty();

        Base(UUID flowId, String flowName, UUID processorId, String processorName, String processorType,
                Map<String, Object> configuration, System.Logger logger, StateManager state, ExpressionEvaluator expressions) {
            this.flowId = flowId;
            this.flowName = flowName;
            this.processorId = processorId;
            this.processorName = processorName;
            this.processorType = processorType;
            this.configuration = configuration;
            this.logger = logger;
            this.state = state;
            this.expressions = expressions;
        }

        Map<String, Object> metadata() {
            return Map.of();
        }

        /** The declaration of the class of the instance this context is for. */
        void declare(Optional<ConfigDescription> declared) {
            this.description = declared;
        }

        @Override
        public Optional<ConfigDescription> configDescription() {
            return description;
        }

        /** Whether {@code key} is a declared key (or alias): its value comes by either name, else its default. */
        private boolean declared(String key) {
            return description.flatMap(declared -> declared.key(key)).isPresent();
        }

        @Override
        public UUID flowId() {
            return flowId;
        }

        @Override
        public String flowName() {
            return flowName;
        }

        @Override
        public UUID processorId() {
            return processorId;
        }

        @Override
        public String processorName() {
            return processorName;
        }

        @Override
        public String processorType() {
            return processorType;
        }

        @Override
        public Map<String, Object> rawConfiguration() {
            return configuration;
        }

        @Override
        public String config(String key) {
            return optionalConfig(key).orElseThrow(() -> new IllegalArgumentException(
                    "processor " + processorName + " of flow " + flowName + " has no configuration key '" + key + "'"));
        }

        @Override
        public Optional<String> optionalConfig(String key) {
            if (declared(key)) {
                return optionalConfig(key, String.class);
            }
            Object value = configuration.get(key);
            if (value == null) {
                return Optional.empty();
            }
            return Optional.of(evaluate(key, expressions.text(value)));
        }

        @Override
        public String evaluate(String key, String text) {
            String where = "processor " + processorName + " of flow " + flowName + ", configuration key '" + key + "'";
            return expressions.evaluate(text, metadata(), where, state);
        }

        @Override
        public List<String> configList(String key) {
            Object value = configuration.get(key);
            if (value == null) {
                return List.of();
            }
            String where = "processor " + processorName + " of flow " + flowName + ", configuration key '" + key + "'";
            if (!(value instanceof List<?> list)) {
                throw new IllegalArgumentException(where + ": must be a list of strings, such as [\"-v\", \"${name}\"], was " + expressions.text(value));
            }
            List<String> evaluated = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String element)) {
                    throw new IllegalArgumentException(where + ": element " + i + " must be a string, was " + expressions.text(list.get(i)));
                }
                evaluated.add(expressions.evaluate(element, metadata(), where + " element " + i, state));
            }
            return evaluated;
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

    /** One step: the session's metadata for expressions, and copy-on-write content. */
    static final class Step extends Base implements StepContext {
        private final UUID sessionId;
        private final SessionRun.StepInput input;
        private final ContentStore content;
        private ContentStore.NewContent written;
        /** Folders the step asked to have forced before its completion is logged. */
        private final Set<Path> folders = new LinkedHashSet<>();
        private boolean running = true;
        private boolean timedOut;

        Step(Base base, UUID sessionId, SessionRun.StepInput input, ContentStore content) {
            super(base.flowId(), base.flowName(), base.processorId(), base.processorName(), base.processorType(),
                    base.rawConfiguration(), base.logger(), base.state(), base.expressions);
            declare(base.configDescription());
            this.sessionId = sessionId;
            this.input = input;
            this.content = content;
        }

        @Override
        Map<String, Object> metadata() {
            return input.object().metadata();
        }

        @Override
        public UUID sessionId() {
            return sessionId;
        }

        @Override
        public int attempt() {
            return input.attempt();
        }

        @Override
        public boolean hasContent() {
            return !input.contentId().isEmpty();
        }

        @Override
        public InputStream readContent() throws IOException {
            return hasContent() ? content.open(input.contentId()) : InputStream.nullInputStream();
        }

        @Override
        public synchronized OutputStream writeContent() throws IOException {
            if (written != null) {
                written.discard();
            }
            written = content.create();
            return written;
        }

        @Override
        public synchronized void forceFolderBeforeCompletion(Path folder) {
            folders.add(folder.toAbsolutePath().normalize());
        }

        /** The folders to force before the step's completion is logged. */
        synchronized Set<Path> foldersToForce() {
            return Set.copyOf(folders);
        }

        /** The content this step wrote and closed, or empty if it wrote none (or left it open, which does not count). */
        synchronized Optional<String> output() {
            if (written == null) {
                return Optional.empty();
            }
            if (!written.isClosed()) {
                written.discard();
                written = null;
                return Optional.empty();
            }
            return Optional.of(written.contentId());
        }

        /** Drops what the step wrote (it failed). */
        synchronized void discardOutput() {
            if (written != null) {
                written.discard();
                written = null;
            }
        }

        /** Called by the timeout watchdog: interrupts the worker only while the step still runs. */
        synchronized void timeOut(Thread worker) {
            if (running) {
                timedOut = true;
                worker.interrupt();
            }
        }

        synchronized boolean finish() {
            running = false;
            return timedOut;
        }
    }

    /** One call of a trigger, with the flow's current capacity. */
    static final class Trigger extends Base implements TriggerContext {
        private final int capacity;

        Trigger(Base base, int capacity) {
            super(base.flowId(), base.flowName(), base.processorId(), base.processorName(), base.processorType(),
                    base.rawConfiguration(), base.logger(), base.state(), base.expressions);
            declare(base.configDescription());
            this.capacity = capacity;
        }

        @Override
        public int capacity() {
            return capacity;
        }
    }
}
