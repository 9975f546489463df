/**
 * The plug-in contract: {@link streamline.api.processor.Processor} and
 * {@link streamline.api.processor.TriggerProcessor}, implemented by processor bundles and
 * registered as prototype-scoped services with the property
 * {@value streamline.api.processor.Processor#TYPE_PROPERTY}.
 */
@Export
@Version("1.4.0")
package streamline.api.processor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
