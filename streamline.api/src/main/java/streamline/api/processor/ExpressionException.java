package streamline.api.processor;

/**
 * A {@code ${…}} expression in a configuration value could not be evaluated: a syntax error, a
 * metadata key that the session lacks, or a call the sandbox refuses. The message names the
 * configuration key and the expression. In a step it fails the step like any exception.
 */
public class ExpressionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ExpressionException(String message) {
        super(message);
    }

    public ExpressionException(String message, Throwable cause) {
        super(message, cause);
    }
}
