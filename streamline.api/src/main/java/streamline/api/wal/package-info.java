/**
 * The write-ahead log contract: every processing step is recorded before it runs and marked
 * complete after it ran, so that a crash or a restart loses nothing.
 */
@Export
@Version("2.3.0")
package streamline.api.wal;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
