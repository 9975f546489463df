package streamline.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import streamline.api.flow.FlowManager;
import streamline.api.track.BranchTracker;

/** Every bundle resolves and starts, its components activate, and only the API is exported. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundlesIT extends StreamlineTestSupport {

    private static final List<String> BUNDLES = List.of("streamline.api", "streamline.tracker", "streamline.flow.memory");

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> b.getSymbolicName().equals(symbolicName))
                .findFirst().orElseThrow(() -> new AssertionError("bundle " + symbolicName + " not installed"));
    }

    @Test
    public void everyBundleIsActive() {
        for (String name : BUNDLES) {
            assertEquals(name + " state", Bundle.ACTIVE, bundle(name).getState());
        }
    }

    @Test
    public void log4jRunsOnItsCoreImplementation() {
        assertEquals(Bundle.ACTIVE, bundle("org.apache.logging.log4j.core").getState());
        // without log4j-core bound, the API falls back to its SimpleLoggerContext (STACK.md trap 10)
        String context = org.apache.logging.log4j.LogManager.getContext(false).getClass().getName();
        assertTrue(context, context.startsWith("org.apache.logging.log4j.core."));
    }

    @Test
    public void onlyTheApiExportsPackagesEachWithItsVersion() {
        Map<String, String> exports = new TreeMap<>();
        for (String name : BUNDLES) {
            BundleWiring wiring = bundle(name).adapt(BundleWiring.class);
            for (BundleCapability c : wiring.getCapabilities("osgi.wiring.package")) {
                exports.put((String) c.getAttributes().get("osgi.wiring.package"), name + " " + c.getAttributes().get("version"));
            }
        }
        Map<String, String> expected = new TreeMap<>();
        for (String pkg : List.of("engine", "flow", "processor", "state", "track", "wal")) {
            expected.put("streamline.api." + pkg, "streamline.api 1.0.0");
        }
        assertEquals(expected, exports);
    }

    @Test
    public void everyComponentActivatesOnUse() {
        awaitService(FlowManager.class, null);
        awaitService(BranchTracker.class, null);
        ServiceComponentRuntime scr = awaitService(ServiceComponentRuntime.class, null);
        List<String> components = new ArrayList<>();
        for (String name : List.of("streamline.tracker", "streamline.flow.memory")) {
            for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs(bundle(name))) {
                components.add(description.name);
                for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                    assertEquals(description.name + " state", ComponentConfigurationDTO.ACTIVE, configuration.state);
                }
                assertFalse(description.name + " has a configuration", scr.getComponentConfigurationDTOs(description).isEmpty());
            }
        }
        assertEquals(List.of("streamline.tracker.InMemoryBranchTracker", "streamline.flow.memory.InMemoryFlowManager"), components);
    }

    @Test
    public void servicesCarryTheirTypeAndAnIntegerRanking() {
        awaitService(FlowManager.class, null);
        ServiceReference<FlowManager> flowManager = context.getServiceReference(FlowManager.class);
        assertEquals("memory", flowManager.getProperty(FlowManager.TYPE_PROPERTY));
        assertEquals(Integer.valueOf(0), flowManager.getProperty("service.ranking"));
        assertNotNull(context.getServiceReference(BranchTracker.class));
    }

    @Test
    public void theMemoryStoreDescribesItsConfiguration() {
        MetaTypeService metatype = awaitService(MetaTypeService.class, null);
        ObjectClassDefinition ocd = metatype.getMetaTypeInformation(bundle("streamline.flow.memory"))
                .getObjectClassDefinition("streamline.flow.memory", null);
        assertNotNull("no metatype for streamline.flow.memory", ocd);
        Map<String, String> defaults = new TreeMap<>();
        for (AttributeDefinition attribute : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            assertFalse(attribute.getID() + " has no description", attribute.getDescription() == null || attribute.getDescription().isBlank());
            defaults.put(attribute.getID(), String.join(",", attribute.getDefaultValue()));
        }
        assertEquals(Map.of("service.ranking", "0", "streamline.flow.type", "memory"), defaults);
        assertTrue(metatype.getMetaTypeInformation(bundle("streamline.flow.memory")).getPids().length > 0);
    }
}
