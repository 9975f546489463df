package streamline.runtime.osgi;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import streamline.api.engine.EngineException;
import streamline.api.engine.SessionListener;
import streamline.api.engine.TriggerCoordinator;
import streamline.api.flow.FlowManager;
import streamline.api.track.BranchTracker;
import streamline.api.wal.WriteAheadLog;
import streamline.api.wal.WriteAheadLogException;

import streamline.runtime.engine.EngineOptions;
import streamline.runtime.engine.Named;
import streamline.runtime.engine.PreviousUnavailableException;
import streamline.runtime.engine.ProcessorRegistry;
import streamline.runtime.engine.StreamlineEngine;

/**
 * The engine the component runs now, if any, and why none runs: starts one on a configuration, restarts it on a
 * changed one (falling back to the previous configuration if the new one cannot start), waits for the log or
 * store it used last, and hands it the log, flow store, listeners and coordinator the component is bound to. One
 * lock orders all of it against the component's service events.
 */
final class RunningEngine {

    private static final Logger LOG = LogManager.getLogger(RunningEngine.class);

    private final Object lock = new Object();
    /** The component's static reference, injected before it activates (service events may come before that). */
    private final Supplier<BranchTracker> tracker;
    private final ProcessorRegistry registry;
    private final PresentServices present;
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private Named<WriteAheadLog> boundWal;
    private Named<FlowManager> boundFlows;
    /** The options of an engine that waits for the log or store it used last; null when none waits. */
    private EngineOptions waiting;
    private volatile String waitingFor = "";
    /** Why no engine runs (refused configuration, failed start, waiting). */
    private volatile String notRunning = "";
    private volatile TriggerCoordinator coordinator;
    private volatile StreamlineEngine engine;

    RunningEngine(Supplier<BranchTracker> tracker, ProcessorRegistry registry, PresentServices present) {
        this.tracker = tracker;
        this.registry = registry;
        this.present = present;
    }

    /** The engine running now, or null. */
    StreamlineEngine current() {
        return engine;
    }

    /** The engine running now; if none runs, why not. */
    StreamlineEngine running() throws EngineException {
        StreamlineEngine current = engine;
        if (current == null) {
            String awaited = waitingFor;
            throw new EngineException(awaited.isEmpty() ? "the engine is not running"
                    : "the engine is not running: it waits for '" + awaited + "', the write-ahead log or flow store it used last");
        }
        return current;
    }

    /** Whether an engine runs now. */
    boolean runs() {
        return engine != null;
    }

    /** Why no engine runs; empty while one does. */
    String notRunning() {
        return engine != null ? "" : notRunning.isEmpty() ? "the engine is not running" : notRunning;
    }

    /** A configuration was refused: said as the reason none runs, if none does. */
    void refused(String reason) {
        synchronized (lock) {
            if (engine == null) {
                notRunning = reason;
            }
        }
    }

    /** Starts on the first configuration. */
    void start(EngineOptions options) {
        synchronized (lock) {
            engine = startOrReport(options);
        }
    }

    /**
     * An accepted configuration: restarts the engine on it (unless only targets or abandoned names changed). If the
     * new engine cannot start, the previous configuration's engine starts again.
     */
    void reconfigure(EngineOptions options) {
        synchronized (lock) {
            StreamlineEngine running = engine;
            if (running != null && running.options().equals(options)) {
                return; // only targets or abandoned names changed: the references follow them
            }
            if (running == null) {
                engine = startOrReport(options);
                return;
            }
            engine = null;
            running.stop();
            engine = startOrReport(options);
            if (engine == null && waiting == null) {
                LOG.error("configuration {} not applied: the engine starts again with its previous configuration", ConfiguredOptions.PID);
                String reason = notRunning;
                engine = startOrReport(running.options());
                if (engine != null) {
                    notRunning = "";
                    LOG.info("the engine runs with its previous configuration; the refused one: {}", reason);
                }
            }
        }
    }

    void stop() {
        synchronized (lock) {
            waiting = null;
            if (engine != null) {
                engine.stop();
                engine = null;
            }
            notRunning = "the engine is stopped";
        }
    }

    /** Starts an engine; a start that fails is logged and leaves none. */
    private StreamlineEngine startOrReport(EngineOptions options) {
        try {
            return startEngine(options);
        } catch (IOException | WriteAheadLogException | RuntimeException e) {
            LOG.error("the engine could not start (configuration {}, work directory {}): {}", ConfiguredOptions.PID, options.workDirectory(),
                    e.toString(), e);
            notRunning = "the engine could not start: " + e;
            return null;
        }
    }

    /** @return the started engine, or null if it waits for the log or store it used last */
    private StreamlineEngine startEngine(EngineOptions options) throws IOException, WriteAheadLogException {
        waiting = null;
        waitingFor = "";
        StreamlineEngine started = new StreamlineEngine(options, tracker.get(), registry);
        listeners.forEach(started::addListener);
        started.setCoordinator(coordinator);
        try {
            started.start(boundWal, boundFlows, present.known());
        } catch (PreviousUnavailableException e) {
            started.stop();
            waiting = options;
            waitingFor = e.name();
            notRunning = "the engine waits for '" + e.name() + "', the write-ahead log or flow store it used last";
            LOG.warn("engine not started: {}", e.getMessage());
            return null;
        } catch (IOException | WriteAheadLogException | RuntimeException e) {
            started.stop();
            throw e;
        }
        notRunning = "";
        LOG.info("engine started: work directory {}, {} workers", options.workDirectory(), options.workers());
        return started;
    }

    /** A log or store was registered: if the engine waits for it, it starts now. */
    void startIfWaiting() {
        synchronized (lock) {
            if (waiting == null || engine != null || boundWal == null || boundFlows == null) {
                return;
            }
            engine = startOrReport(waiting);
        }
    }

    /**
     * A log's service was registered: if the running engine carried sessions out of it while it was away, it tells it
     * now that they were handed over.
     */
    void walPresent(String name) {
        synchronized (lock) {
            if (engine != null) {
                engine.logPresent(name, present.known());
            }
        }
    }

    /** The selected log: the engine moves to it, or starts if it waited for it. */
    void walBound(Named<WriteAheadLog> log, BooleanSupplier frameworkStopping) {
        synchronized (lock) {
            boundWal = log;
            if (engine == null) {
                startIfWaiting();
                return;
            }
            if (frameworkStopping.getAsBoolean()) {
                // a log leaving because the framework stops is not a swap: moving the sessions into another log that
                // is about to stop too would only strand them there; they stay where they are for the next start
                LOG.info("the framework is stopping: not moving sessions to another write-ahead log");
                return;
            }
            try {
                engine.swapWal(log);
            } catch (WriteAheadLogException | RuntimeException e) {
                LOG.error("cannot move the engine to the newly selected write-ahead log; it stays on the previous one: {}",
                        e.getMessage());
            }
        }
    }

    void walUnbound(WriteAheadLog log) {
        synchronized (lock) {
            if (engine != null) {
                engine.detachWal(log);
            }
            if (boundWal != null && boundWal.service() == log) {
                boundWal = null;
            }
        }
    }

    /** The selected flow store: the engine moves to it, or starts if it waited for it. */
    void flowStoreBound(Named<FlowManager> flows) {
        synchronized (lock) {
            boundFlows = flows;
            if (engine != null) {
                engine.setFlowManager(flows);
            } else {
                startIfWaiting();
            }
        }
    }

    void flowStoreUnbound(FlowManager flows) {
        synchronized (lock) {
            if (boundFlows != null && boundFlows.service() == flows) {
                boundFlows = null;
            }
        }
    }

    void addListener(SessionListener listener) {
        // under the lock: an engine restarted by a configuration change at this moment must not miss it
        synchronized (lock) {
            listeners.add(listener);
            if (engine != null) {
                engine.addListener(listener);
            }
        }
    }

    void removeListener(SessionListener listener) {
        synchronized (lock) {
            listeners.remove(listener);
            if (engine != null) {
                engine.removeListener(listener);
            }
        }
    }

    void coordinatorBound(TriggerCoordinator newCoordinator) {
        synchronized (lock) {
            coordinator = newCoordinator;
            if (engine != null) {
                engine.setCoordinator(newCoordinator);
            }
        }
    }

    void coordinatorUnbound(TriggerCoordinator old) {
        synchronized (lock) {
            if (coordinator == old) {
                coordinator = null;
                if (engine != null) {
                    engine.setCoordinator(null);
                }
            }
        }
    }
}
