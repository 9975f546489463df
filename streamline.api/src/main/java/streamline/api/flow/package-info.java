/**
 * The flow model and the flow store contract.
 *
 * <p>A flow is an immutable {@link streamline.api.flow.FlowDefinition}: processors linked into a
 * directed acyclic graph by their next-processor ids, plus trigger processors that start sessions.
 * {@link streamline.api.flow.FlowGraph} validates a definition and answers the graph questions
 * (first processors, predecessors, joins, reachability) the engine and the tracker ask.
 * {@link streamline.api.flow.FlowManager} stores definitions.
 *
 * <p>Value types are records; build them with their builders, since a later minor version may
 * add components (and so change the canonical constructor).
 */
@Export
@Version("1.2.0")
package streamline.api.flow;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
