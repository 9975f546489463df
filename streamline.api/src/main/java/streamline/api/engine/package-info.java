/**
 * The engine service, the session listener whiteboard, the optional cluster coordinator, and the types describing sessions.
 */
@Export
@Version("1.4.0")
package streamline.api.engine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
