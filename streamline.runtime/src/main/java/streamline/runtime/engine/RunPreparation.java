package streamline.runtime.engine;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;

import streamline.api.flow.FlowDefinition;
import streamline.api.flow.FlowGraph;
import streamline.api.flow.InvalidFlowException;
import streamline.api.flow.LogLevel;
import streamline.api.flow.ProcessorDefinition;
import streamline.api.flow.TriggerDefinition;
import streamline.cron.support.CronSchedule;

import streamline.runtime.expressions.ExpressionEvaluator;
import streamline.runtime.state.FileStateManager;

/**
 * Builds the run of a flow version: checks what the flow store may not have checked (the graph, cron expressions,
 * backoff and wait settings) and gives every processor and trigger its context (logger, state, expressions).
 * Instances come later, from the providers ({@link FlowRun#provideInstances}).
 */
final class RunPreparation {

    private final RetryBackoff backoff;
    private final StepWaits waits;
    private final ExpressionEvaluator expressions;
    private final Path stateDirectory;
    private final ObjectMapper json;
    /**
     * One state manager per processor id, shared by the versions of its flow: a version being prepared and the one
     * it replaces may both write the processor's state, and the manager caches it.
     */
    private final Map<String, FileStateManager> stateManagers = new ConcurrentHashMap<>();
    /**
     * One line of calls and told ends per trigger id, shared by the versions of its flow: a retired version's session
     * must not be told ended (its mark released) while the version that replaced it is in a call that read the source
     * before the end was acknowledged (its item would start a second session).
     */
    private final Map<UUID, FlowRun.TriggerLine> triggerLines = new ConcurrentHashMap<>();

    RunPreparation(RetryBackoff backoff, StepWaits waits, ExpressionEvaluator expressions, Path stateDirectory, ObjectMapper json) {
        this.backoff = backoff;
        this.waits = waits;
        this.expressions = expressions;
        this.stateDirectory = stateDirectory;
        this.json = json;
    }

    /**
     * Builds a run of a definition, checking what the store may not have (graph, cron, backoff and wait settings).
     *
     * @param version the definition's version ({@link FlowVersions})
     * @param forRecovery whether the run is of an earlier version, for sessions recovered on it ({@link FlowRun#forRecovery})
     */
    FlowRun prepare(FlowDefinition flow, String version, boolean forRecovery) {
        FlowGraph graph;
        try {
            graph = FlowGraph.of(flow);
        } catch (InvalidFlowException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        FlowRun run = new FlowRun(flow, graph, version, forRecovery);
        for (ProcessorDefinition processor : flow.processors()) {
            backoff.validate(processor);
            waits.validate(processor);
            run.processors.put(processor.id(), new FlowRun.ProcessorSlot(processor,
                    baseContext(flow, processor.id(), processor.name(), processor.type(), processor.config(), processor.logLevel())));
        }
        for (TriggerDefinition trigger : flow.triggers()) {
            CronSchedule cron = trigger.hasCron() ? CronSchedule.parse(trigger.cronExpression()) : null;
            run.triggers.put(trigger.id(), new FlowRun.TriggerSlot(trigger,
                    baseContext(flow, trigger.id(), trigger.name(), trigger.type(), trigger.config(), trigger.logLevel()), cron,
                    triggerLines.computeIfAbsent(trigger.id(), id -> new FlowRun.TriggerLine())));
        }
        return run;
    }

    private EngineContexts.Base baseContext(FlowDefinition flow, UUID id, String name, String type,
            Map<String, Object> config, LogLevel level) {
        return new EngineContexts.Base(flow.id(), flow.name(), id, name, type, config,
                new ProcessorLogger(flow.name(), name, level), stateManagers.computeIfAbsent(id.toString(),
                        owner -> new FileStateManager(stateDirectory, owner, json)),
                expressions);
    }
}
