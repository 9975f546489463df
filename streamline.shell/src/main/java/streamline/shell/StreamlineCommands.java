package streamline.shell;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.SatisfiedReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

import streamline.api.engine.Engine;
import streamline.api.engine.EngineException;
import streamline.api.engine.SessionInfo;
import streamline.api.engine.WaitingSessions;
import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowManager;
import streamline.api.flow.FlowStoreException;
import streamline.api.flow.Page;
import streamline.api.flow.PageRequest;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.wal.LogEntry;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

/**
 * Gogo commands in scope {@code streamline}: {@code flows}, {@code flow <id>}, {@code activate <id>},
 * {@code deactivate <id>}, {@code sessions}, {@code failed}, {@code waiting}, {@code retry <session>} (or
 * {@code retry --flow <name or id>}), {@code discard <session>}, {@code wal}, {@code bound}. They talk to
 * the same services the engine uses (the flow store and log it is bound to, read from SCR), so what
 * they show is what the engine sees.
 */
@Component(service = StreamlineCommands.class, property = { "osgi.command.scope=streamline",
        "osgi.command.function=flows", "osgi.command.function=flow", "osgi.command.function=activate",
        "osgi.command.function=deactivate", "osgi.command.function=sessions", "osgi.command.function=failed",
        "osgi.command.function=wal", "osgi.command.function=bound", "osgi.command.function=waiting", "osgi.command.function=retry",
        "osgi.command.function=discard" })
public class StreamlineCommands {

    private static final String ENGINE_COMPONENT = "streamline.runtime.EngineComponent";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile Engine engine;

    @Reference
    private ServiceComponentRuntime scr;

    private BundleContext context;

    @Activate
    void activate(BundleContext bundleContext) {
        this.context = bundleContext;
    }

    /** Something done with the flow store the engine uses. */
    private interface StoreCall<T> {
        T apply(FlowManager store) throws FlowStoreException;
    }

    private <T> T withStore(StoreCall<T> call) throws FlowStoreException {
        ServiceReference<?> bound = boundReference("flowManager");
        if (bound == null) {
            throw new IllegalStateException("the engine is not bound to a flow store: " + engineComponentState());
        }
        FlowManager store = (FlowManager) context.getService(bound);
        if (store == null) {
            throw new IllegalStateException("the flow store went away");
        }
        try {
            return call.apply(store);
        } finally {
            context.ungetService(bound);
        }
    }

    /** The flows of the store the engine uses. */
    public String flows() throws FlowStoreException {
        return withStore(this::describeFlows);
    }

    private String describeFlows(FlowManager store) throws FlowStoreException {
        List<String> lines = new ArrayList<>();
        int page = 0;
        Page<FlowDefinition> flows;
        do {
            flows = store.listFlows(new PageRequest(page++, 500), Instant.EPOCH);
            for (FlowDefinition flow : flows.items()) {
                lines.add(String.format("%s  %-8s  %s (%d processors, %d triggers)", flow.id(), flow.active() ? "active" : "inactive",
                        flow.name(), flow.processors().size(), flow.triggers().size()));
            }
        } while (flows.hasNext());
        return lines.isEmpty() ? "no flows" : String.join("\n", lines);
    }

    /** One flow: its processors, their next processors, and its triggers. */
    public String flow(String id) throws FlowStoreException {
        FlowDefinition flow = withStore(store -> store.flow(UUID.fromString(id.trim())));
        Map<UUID, String> names = flow.processors().stream().collect(Collectors.toMap(ProcessorDefinition::id, ProcessorDefinition::name));
        StringBuilder out = new StringBuilder();
        out.append(flow.name()).append(" (").append(flow.id()).append("), ").append(flow.active() ? "active" : "inactive")
                .append(", updated ").append(flow.lastUpdated()).append('\n');
        if (!flow.description().isEmpty()) {
            out.append("  ").append(flow.description()).append('\n');
        }
        for (ProcessorDefinition p : flow.processors()) {
            out.append("  processor ").append(p.name()).append(" [").append(p.type()).append("] -> ")
                    .append(p.nextProcessorIds().stream().map(names::get).toList())
                    .append(", retries ").append(p.maxRetries()).append(", config ").append(p.config()).append('\n');
        }
        flow.triggers().forEach(t -> out.append("  trigger ").append(t.name()).append(" [").append(t.type()).append("]")
                .append(t.hasCron() ? " cron '" + t.cronExpression() + "'" : " event").append(", config ").append(t.config()).append('\n'));
        return out.toString().stripTrailing();
    }

    public String activate(String id) throws FlowStoreException {
        FlowDefinition flow = withStore(store -> store.setActive(UUID.fromString(id.trim()), true));
        return "flow " + flow.name() + " is active";
    }

    public String deactivate(String id) throws FlowStoreException {
        FlowDefinition flow = withStore(store -> store.setActive(UUID.fromString(id.trim()), false));
        return "flow " + flow.name() + " is inactive";
    }

    /** Sessions in progress, with their current steps; or why the engine runs none. */
    public String sessions() {
        Engine current = engine;
        String down = notRunning(current);
        if (down != null) {
            return down;
        }
        return describe(current.sessionsInProgress(), "no session in progress");
    }

    /** Failed sessions kept for inspection (readable while the engine is down, when it says so too). */
    public String failed() {
        Engine current = engine;
        String down = notRunning(current);
        if (current == null) {
            return down;
        }
        String failed = describe(current.failedSessions(), "no failed session");
        return down == null ? failed : down + "\n" + failed;
    }

    /** Why the engine runs no session, or null while it runs. */
    private String notRunning(Engine current) {
        if (current == null) {
            return "the engine is not running: " + engineComponentState();
        }
        return current.notRunning().map(reason -> "the engine is not running: " + reason).orElse(null);
    }

    /** What SCR says of the engine component: its state, the references it waits for (with their filters), its failure. */
    private String engineComponentState() {
        List<String> states = new ArrayList<>();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (!description.name.equals(ENGINE_COMPONENT)) {
                continue;
            }
            if (!scr.isComponentEnabled(description)) {
                states.add("the engine component is disabled");
            }
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                StringBuilder state = new StringBuilder(stateName(configuration.state));
                for (UnsatisfiedReferenceDTO reference : configuration.unsatisfiedReferences) {
                    state.append("; it waits for a ").append(reference.name).append(" matching ").append(reference.target)
                            .append(" (present: ").append(present(reference.name)).append(")");
                }
                if (configuration.failure != null && !configuration.failure.isBlank()) {
                    state.append("; ").append(configuration.failure.lines().findFirst().orElse(""));
                }
                states.add(state.toString());
            }
        }
        return states.isEmpty() ? "the engine component is not active" : String.join("; ", states);
    }

    private static String stateName(int state) {
        return switch (state) {
            case ComponentConfigurationDTO.ACTIVE -> "the engine component is active";
            case ComponentConfigurationDTO.SATISFIED -> "the engine component is satisfied, not activated";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "the engine component is deactivated";
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "the engine component waits for its configuration";
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> "the engine component failed to activate";
            default -> "the engine component is in state " + state;
        };
    }

    /** The services a reference of the engine could bind, by type and ranking. */
    private String present(String referenceName) {
        String service = switch (referenceName) {
            case "wal" -> WriteAheadLog.class.getName();
            case "flowManager" -> FlowManager.class.getName();
            default -> null;
        };
        if (service == null) {
            return "?";
        }
        try {
            ServiceReference<?>[] all = context.getServiceReferences(service, null);
            if (all == null) {
                return "none";
            }
            List<String> names = new ArrayList<>();
            for (ServiceReference<?> reference : all) {
                names.add(describe(reference));
            }
            return String.join(", ", names.stream().sorted().toList());
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(List<SessionInfo> sessions, String none) {
        if (sessions.isEmpty()) {
            return none;
        }
        return sessions.stream().map(s -> s.sessionId() + "  " + s.status() + "  flow " + s.flowId() + "  started " + s.startedAt()
                + (s.steps().isEmpty() ? "" : "\n    " + s.steps().stream().map(step -> step.processorName() + " attempt " + step.attempt()
                        + step.retryAt().map(at -> ", retry at " + at).orElse("")).collect(Collectors.joining("\n    ")))
                + (s.error().isEmpty() ? "" : "\n    error: " + s.error())).collect(Collectors.joining("\n"));
    }

    /** The log the engine uses: its type and how much of it is live. */
    public String wal() throws WriteAheadLogException {
        ServiceReference<?> bound = boundReference("wal");
        if (bound == null) {
            return "the engine is not bound to a write-ahead log: " + engineComponentState();
        }
        WriteAheadLog log = (WriteAheadLog) context.getService(bound);
        if (log == null) {
            return "the write-ahead log went away";
        }
        try {
            List<LogEntry> liveEntries = log.liveEntries();
            int live = liveEntries.size();
            long sessions = liveEntries.stream().map(e -> e.sessionId()).distinct().count();
            return "write-ahead log " + describe(bound) + ": " + live + " live entries of " + sessions + " unfinished sessions, "
                    + log.unfinishedSteps().size() + " unfinished steps";
        } finally {
            context.ungetService(bound);
        }
    }

    /** Which write-ahead log and flow store the engine is bound to; when it runs none, why. */
    public String bound() {
        ServiceReference<?> wal = boundReference("wal");
        ServiceReference<?> flows = boundReference("flowManager");
        String text = "write-ahead log: " + (wal == null ? "none" : describe(wal)) + "\nflow store: "
                + (flows == null ? "none" : describe(flows));
        String down = notRunning(engine);
        return down == null ? text : text + "\n" + down;
    }

    private static String describe(ServiceReference<?> reference) {
        Object type = reference.getProperty(WriteAheadLog.TYPE_PROPERTY);
        if (type == null) {
            type = reference.getProperty("streamline.flow.type");
        }
        return type + " (service " + reference.getProperty(Constants.SERVICE_ID) + ", ranking "
                + reference.getProperty(Constants.SERVICE_RANKING) + ")";
    }

    /** The service the engine's reference {@code name} is bound to now, from SCR's runtime view. */
    private ServiceReference<?> boundReference(String name) {
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (!description.name.equals(ENGINE_COMPONENT)) {
                continue;
            }
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                for (SatisfiedReferenceDTO reference : configuration.satisfiedReferences) {
                    if (reference.name.equals(name) && reference.boundServices.length > 0) {
                        try {
                            ServiceReference<?>[] found = context.getServiceReferences((String) null,
                                    "(" + Constants.SERVICE_ID + "=" + reference.boundServices[0].id + ")");
                            return found == null ? null : found[0];
                        } catch (InvalidSyntaxException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            }
        }
        return null;
    }

    /** The sessions waiting for the world to be ready (a full disk, an unreachable server), per flow and reason. */
    public String waiting() {
        Engine current = engine;
        String down = notRunning(current);
        if (down != null) {
            return down;
        }
        return describeWaiting(current.waitingSessions());
    }

    static String describeWaiting(List<WaitingSessions> waiting) {
        if (waiting.isEmpty()) {
            return "no session waits";
        }
        return waiting.stream().map(w -> String.format("%d session%s of flow %s (%s) wait%s at %s since %s: %s", w.sessions(),
                w.sessions() == 1 ? "" : "s", w.flowName(), w.flowId(), w.sessions() == 1 ? "s" : "", w.processorName(), w.since(),
                w.reason())).collect(Collectors.joining("\n"));
    }

    /** Retries a failed session: a new session of its flow's current version from the kept input, with its trigger and mark. */
    public String retry(String sessionId) {
        Engine current = engine;
        if (current == null) {
            return notRunning(null);
        }
        return retryOne(current, parseSession(sessionId));
    }

    /** {@code retry --flow <name or id>}: retries every failed session of the flow, each saying how it went. */
    public String retry(String option, String flow) throws FlowStoreException {
        if (!"--flow".equals(option.trim())) {
            return "usage: retry <session id> | retry --flow <flow name or id>";
        }
        Engine current = engine;
        if (current == null) {
            return notRunning(null);
        }
        UUID flowId = flowIdOf(flow.trim());
        List<String> lines = new ArrayList<>();
        for (SessionInfo failed : current.failedSessions()) {
            if (failed.flowId().equals(flowId)) {
                lines.add(retryOne(current, failed.sessionId()));
            }
        }
        return lines.isEmpty() ? "no failed session of flow " + flow.trim() : String.join("\n", lines);
    }

    private static String retryOne(Engine current, UUID failed) {
        try {
            return "failed session " + failed + " retried as session " + current.retryFailed(failed);
        } catch (EngineException e) {
            return e.getMessage();
        }
    }

    /** Discards a failed session: its kept input and record are deleted. */
    public String discard(String sessionId) {
        Engine current = engine;
        if (current == null) {
            return notRunning(null);
        }
        UUID failed = parseSession(sessionId);
        try {
            current.discardFailed(failed);
            return "failed session " + failed + " discarded";
        } catch (EngineException e) {
            return e.getMessage();
        }
    }

    private static UUID parseSession(String text) {
        try {
            return UUID.fromString(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a session id: '" + text + "' (streamline:failed lists them)", e);
        }
    }

    /** A flow's id from its id or its name in the engine's flow store. */
    private UUID flowIdOf(String flow) throws FlowStoreException {
        try {
            return UUID.fromString(flow);
        } catch (IllegalArgumentException notAnId) {
            return withStore(store -> {
                int page = 0;
                Page<FlowDefinition> flows;
                do {
                    flows = store.listFlows(new PageRequest(page++, 500), Instant.EPOCH);
                    for (FlowDefinition definition : flows.items()) {
                        if (definition.name().equals(flow)) {
                            return definition.id();
                        }
                    }
                } while (flows.hasNext());
                throw new IllegalArgumentException("no flow named '" + flow + "' in the engine's flow store");
            });
        }
    }
}
