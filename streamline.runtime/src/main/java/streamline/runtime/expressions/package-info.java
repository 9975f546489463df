/** Expressions in processor properties: the sandboxed JEXL evaluator, its functions, and the limits on its work. */
package streamline.runtime.expressions;
