package streamline.processors.standard;

import java.util.Optional;

import streamline.api.processor.ProcessorContext;

/**
 * The configuration keys of the Go project's processors, read beside ours: a flow file written for it runs unchanged.
 * A processor configured with both names of one setting is refused, naming both: which one wins would be a guess.
 */
final class GoKeys {

    private GoKeys() {
    }

    /** The value of {@code ours}, or of its Go name {@code go}; evaluated as an expression either way. */
    static Optional<String> either(ProcessorContext context, String ours, String go) {
        boolean hasOurs = context.rawConfiguration().get(ours) != null;
        boolean hasGo = context.rawConfiguration().get(go) != null;
        if (hasOurs && hasGo) {
            throw new IllegalArgumentException(context.processorType() + " " + context.processorName() + " of flow "
                    + context.flowName() + " sets both '" + ours + "' and its Go name '" + go + "': keep one");
        }
        return hasGo ? context.optionalConfig(go) : context.optionalConfig(ours);
    }

    /** {@link #either} for a required setting: missing, an error naming both names. */
    static String required(ProcessorContext context, String ours, String go) {
        return either(context, ours, go).orElseThrow(() -> new IllegalArgumentException(context.processorType() + " "
                + context.processorName() + " of flow " + context.flowName() + " needs '" + ours + "' (or its Go name '" + go + "')"));
    }

    /** A boolean setting: {@code true} or {@code false} (any case, spaces around ignored); anything else an error. */
    static boolean flag(ProcessorContext context, String key, boolean defaultValue) {
        Optional<String> value = context.optionalConfig(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        String text = value.get().trim();
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(context.processorType() + " " + context.processorName() + " of flow "
                + context.flowName() + ": '" + key + "' must be true or false, was '" + text + "'");
    }
}
