/**
 * State that trigger processors keep across restarts, per processor, in a local or a cluster scope.
 */
@Export
@Version("1.1.0")
package streamline.api.state;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
