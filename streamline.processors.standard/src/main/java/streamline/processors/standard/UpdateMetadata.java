package streamline.processors.standard;

import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import streamline.api.processor.ConfigKey;
import streamline.api.processor.FlowObject;
import streamline.api.processor.Processor;
import streamline.api.processor.ProcessorConfig;
import streamline.api.processor.StepContext;

/**
 * Processor {@code UpdateMetadata}: sets metadata keys from its configuration.
 *
 * <p>Configuration: every key is a metadata key to set, its value an expression evaluated over the
 * session's metadata (for example {@code "greeting": "Hello ${name}"}); keys starting with
 * {@code streamline.} are engine settings and are skipped. Content passes through unchanged. Fails
 * when an expression cannot be evaluated (for example a missing key).
 */
@ProcessorConfig(description = "Sets metadata keys from its configuration: every key is a metadata key, its value an expression.",
        otherKeys = ".*")
@Component(service = Processor.class, scope = ServiceScope.PROTOTYPE, property = Processor.TYPE_PROPERTY + "=UpdateMetadata")
public class UpdateMetadata implements Processor {

    @Override
    public FlowObject process(FlowObject input, StepContext step) throws Exception {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String key : step.rawConfiguration().keySet()) {
            if (!key.startsWith("streamline.")) {
                values.put(key, step.config(key));
            }
        }
        return input.withAll(values);
    }
}
