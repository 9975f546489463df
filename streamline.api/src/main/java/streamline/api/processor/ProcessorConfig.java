package streamline.api.processor;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the configuration a {@link Processor} or {@link TriggerProcessor} implementation reads from its flow
 * definition, on the implementation class. The engine reads it from the class of the service object: a flow is
 * checked against it before it is saved (through {@link ProcessorTypes}) and again when it is activated, so a
 * wrong type or a missing required key is refused naming flow, processor and key, before any session runs; an
 * unknown key is warned about. Values then reach the processor converted: {@link ProcessorContext#config(String,
 * Class)}, with aliases and defaults applied, also by {@link ProcessorContext#config(String)}.
 *
 * <p>A processor without this annotation is not checked: every key is accepted, as before.
 *
 * <pre>
 * &#64;ProcessorConfig(description = "Puts a digest of the content into the metadata", keys = {
 *         &#64;ConfigKey(name = "algorithm", defaultValue = "SHA-256", description = "a MessageDigest algorithm") })
 * public class Checksum implements Processor { … }
 * </pre>
 *
 * @since 1.4
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ProcessorConfig {

    /** What the processor does, in a sentence. */
    String description();

    /** The keys it reads. */
    ConfigKey[] keys() default {};

    /**
     * A regular expression matched against the whole name of a key that is not declared: such keys are accepted as
     * text (for example {@code arg[0-9]+}, or {@code .*} for a processor whose keys are the user's own). Empty: every
     * undeclared key is unknown, and warned about.
     */
    String otherKeys() default "";
}
