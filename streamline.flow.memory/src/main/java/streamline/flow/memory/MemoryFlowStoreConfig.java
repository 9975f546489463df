package streamline.flow.memory;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = "streamline.flow.memory", name = "Streamline in-memory flow store",
        description = "Keeps flow definitions in memory; they are gone when the bundle stops.")
@interface MemoryFlowStoreConfig {

    @AttributeDefinition(name = "Service ranking",
            description = "Ranking of this FlowManager; without a target filter consumers take the highest.")
    int service_ranking() default 0;

    @AttributeDefinition(name = "Type",
            description = "The streamline.flow.type service property, for consumers' target filters.")
    String streamline_flow_type() default "memory";
}
