package streamline.flow.files;

/** A flow file that cannot be used: the message names the file, the field and what is wrong. */
public class FlowFileException extends Exception {
    private static final long serialVersionUID = 1L;

    public FlowFileException(String message) {
        super(message);
    }

    public FlowFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
