package streamline.api.processor;

/**
 * The type of a configuration value a processor declares with {@link ConfigKey}: what a flow file may give for the
 * key, and what {@link ProcessorContext#config(String, Class)} converts it to.
 *
 * @since 1.4
 */
public enum ConfigType {
    /** Text (a number or boolean in a flow file is taken as its text); {@code ${…}} expressions are evaluated. */
    TEXT,
    /** {@code true} or {@code false}: a JSON boolean or that text in any case; converts to {@link Boolean}. */
    BOOLEAN,
    /** A whole number: a JSON integer or its text; converts to {@link Long} (or {@link Integer} when asked). */
    INTEGER,
    /** A list of texts ({@code ["-v", "${name}"]}), each an expression; converts to {@code List<String>}. */
    LIST,
    /** An object of texts ({@code {"X-Id": "${id}"}}), names and values expressions; converts to {@code Map<String, String>}. */
    MAP;

    /** How the type is shown to flow authors ({@code streamline:types}, messages). */
    public String shown() {
        return switch (this) {
            case TEXT -> "text";
            case BOOLEAN -> "boolean";
            case INTEGER -> "integer";
            case LIST -> "list of texts";
            case MAP -> "map of texts";
        };
    }
}
