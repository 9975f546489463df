/**
 * The engine: its façade, the step journal and gate, step running, session starts, outcomes and completions,
 * recovery, switches of log and flow store, flows' activation and their trigger calls.
 */
package streamline.runtime.engine;
