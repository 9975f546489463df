package streamline.api.processor;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One configuration key of a processor type, declared in {@link ProcessorConfig#keys()}.
 *
 * @since 1.4
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({})
public @interface ConfigKey {

    /** The key's name in a flow's configuration. */
    String name();

    /**
     * Another name read as this key (the Go project's name for it), or empty. A flow giving both names is refused:
     * which one wins would be a guess.
     */
    String alias() default "";

    /** What the value must be. */
    ConfigType type() default ConfigType.TEXT;

    /** The value when the flow gives none, as a flow file would write it; empty for none. */
    String defaultValue() default "";

    /** Whether a flow must give the key; a flow without it is refused before it is saved. */
    boolean required() default false;

    /** What the key does, for flow authors ({@code streamline:types}, the README). */
    String description();
}
