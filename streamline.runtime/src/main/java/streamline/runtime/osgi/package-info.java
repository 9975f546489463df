/**
 * The engine in an OSGi framework: the DS component and its configuration, present services, processor
 * providers, the target report, the shutdown hook and the log bridge.
 */
package streamline.runtime.osgi;
