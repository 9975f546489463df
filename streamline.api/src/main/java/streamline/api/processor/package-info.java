/**
 * The plug-in contract: {@link streamline.api.processor.Processor} and
 * {@link streamline.api.processor.TriggerProcessor}, implemented by processor bundles and
 * registered as prototype-scoped services with the property
 * {@value streamline.api.processor.Processor#TYPE_PROPERTY}. Since 1.4 a processor declares the configuration keys
 * it reads with {@link streamline.api.processor.ProcessorConfig}; the engine checks flows against it
 * ({@link streamline.api.processor.ProcessorTypes}) and gives the values converted
 * ({@link streamline.api.processor.ProcessorContext#config(String, Class)}).
 */
@Export
@Version("1.4.0")
package streamline.api.processor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
