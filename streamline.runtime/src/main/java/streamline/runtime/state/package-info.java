/** Processor state kept in files: snapshot and journal per scope. */
package streamline.runtime.state;
