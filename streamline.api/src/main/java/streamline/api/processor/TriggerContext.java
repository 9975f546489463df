package streamline.api.processor;

import org.osgi.annotation.versioning.ProviderType;

/** The context of one call of a trigger processor; implemented by the engine. */
@ProviderType
public interface TriggerContext extends ProcessorContext {

    /**
     * How many more sessions the flow may start now (back-pressure): a trigger returns at most this
     * many results, and the engine does not call it while this is 0.
     */
    int capacity();
}
