/**
 * The engine service, the session listener whiteboard, and the types describing sessions.
 */
@Export
@Version("1.0.0")
package streamline.api.engine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
