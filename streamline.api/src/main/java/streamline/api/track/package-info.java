/**
 * The branch tracker contract: per session, which steps are pending, which completed, and when a
 * join may run.
 */
@Export
@Version("1.1.0")
package streamline.api.track;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
