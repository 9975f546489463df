package streamline.runtime.osgi;

import java.util.Map;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.osgi.framework.Constants;
import org.osgi.service.component.ComponentServiceObjects;

import streamline.api.processor.Processor;

import streamline.runtime.engine.ProcessorRegistry;

/** A processor service as a provider: one instance per {@link #create}. */
record ServiceProvider<T>(String type, int ranking, long order, ComponentServiceObjects<T> objects)
        implements ProcessorRegistry.Provider<T> {

    private static final Logger LOG = LogManager.getLogger(ServiceProvider.class);

    static <T> ServiceProvider<T> of(ComponentServiceObjects<T> objects, Map<String, Object> properties) {
        Object type = properties.get(Processor.TYPE_PROPERTY);
        if (!(type instanceof String name) || name.isBlank()) {
            LOG.warn("ignoring processor service {}: it has no {} property", properties.get(Constants.SERVICE_ID),
                    Processor.TYPE_PROPERTY);
            return null;
        }
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        return new ServiceProvider<>(name.trim(), ranking instanceof Integer value ? value : 0, serviceId(properties), objects);
    }

    static long serviceId(Map<String, Object> properties) {
        return ((Number) properties.get(Constants.SERVICE_ID)).longValue();
    }

    long serviceId() {
        return order;
    }

    @Override
    public T create() {
        return objects.getService();
    }

    @Override
    public void release(T instance) {
        objects.ungetService(instance);
    }
}
