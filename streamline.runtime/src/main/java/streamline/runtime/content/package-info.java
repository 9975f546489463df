/** Session content on disk: the copy-on-write content store, claims of imported content, grouped folder forces. */
package streamline.runtime.content;
