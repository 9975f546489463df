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

import streamline.api.engine.Engine;
import streamline.api.flow.FlowManager;
import streamline.api.track.BranchTracker;
import streamline.api.wal.WriteAheadLog;

/** Every bundle resolves and starts, its components activate, and only the API is exported. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundlesIT extends StreamlineTestSupport {

    private static final List<String> BUNDLES = List.of("streamline.api", "streamline.tracker", "streamline.flow.memory",
            "streamline.wal.file", "streamline.flow.jpa", "streamline.wal.jpa", "streamline.runtime");

    @Override
    protected org.ops4j.pax.exam.Option extraOptions() {
        return runtimeBundles();
    }

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
        expected.put("streamline.api.state", "streamline.api 1.1.0");
        // minor versions: BranchTracker.completedSteps in completion order, TriggerCoordinator, StreamlineHome, ItemOutcome and TriggerProcessor.itemsReceived,
        // FlowDefinition.equalsIgnoringLastUpdated, WriteAheadLog.appendUnforced, whenDurable and force, StateManager.update,
        // ProcessorContext.configList added;
        // major: WriteAheadLog.close() removed
        expected.put("streamline.api.track", "streamline.api 1.1.0");
        expected.put("streamline.api.flow", "streamline.api 1.2.0");
        expected.put("streamline.api.engine", "streamline.api 1.4.0");
        expected.put("streamline.api.processor", "streamline.api 1.4.0");
        expected.put("streamline.api.wal", "streamline.api 2.3.0");
        assertEquals(expected, exports);
    }

    @Test
    public void everyComponentActivatesOnUse() {
        awaitService(FlowManager.class, "(streamline.flow.type=memory)");
        awaitService(BranchTracker.class, null);
        ServiceComponentRuntime scr = awaitService(ServiceComponentRuntime.class, null);
        List<String> components = new ArrayList<>();
        awaitService(WriteAheadLog.class, null);
        awaitService(FlowManager.class, "(streamline.flow.type=jpa)");
        awaitService(WriteAheadLog.class, "(streamline.wal.type=jpa)");
        awaitService(Engine.class, null);
        for (String name : List.of("streamline.tracker", "streamline.flow.memory", "streamline.wal.file", "streamline.flow.jpa",
                "streamline.wal.jpa", "streamline.runtime")) {
            for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs(bundle(name))) {
                components.add(description.name);
                for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                    assertEquals(description.name + " state", ComponentConfigurationDTO.ACTIVE, configuration.state);
                }
                assertFalse(description.name + " has a configuration", scr.getComponentConfigurationDTOs(description).isEmpty());
            }
        }
        assertEquals(List.of("streamline.flow.jpa.JpaFlowStoreComponent", "streamline.flow.memory.InMemoryFlowManager",
                "streamline.runtime.EngineComponent", "streamline.runtime.EngineTargetReport", "streamline.runtime.FrameworkShutdownHook",
                "streamline.runtime.OsgiLogBridge", "streamline.tracker.InMemoryBranchTracker", "streamline.wal.file.FileWalComponent",
                "streamline.wal.jpa.JpaWalComponent"),
                components.stream().sorted().toList());
    }

    @Test
    public void servicesCarryTheirTypeAndAnIntegerRanking() throws Exception {
        awaitService(FlowManager.class, "(streamline.flow.type=jpa)");
        ServiceReference<FlowManager> flowManager = context.getServiceReference(FlowManager.class);
        assertEquals("the JPA store outranks the memory store", "jpa", flowManager.getProperty(FlowManager.TYPE_PROPERTY));
        assertEquals(Integer.valueOf(10), flowManager.getProperty("service.ranking"));
        ServiceReference<?> memory = context.getServiceReferences(FlowManager.class, "(streamline.flow.type=memory)")
                .iterator().next();
        assertEquals(Integer.valueOf(0), memory.getProperty("service.ranking"));
        assertNotNull(context.getServiceReference(BranchTracker.class));
        awaitService(WriteAheadLog.class, null);
        ServiceReference<WriteAheadLog> wal = context.getServiceReference(WriteAheadLog.class);
        assertEquals("file", wal.getProperty(WriteAheadLog.TYPE_PROPERTY));
        assertEquals(Integer.valueOf(20), wal.getProperty("service.ranking"));
    }

    @Test
    public void everyConfigurationIsDescribedWithItsDefaults() {
        Map<String, String> memory = describedDefaults("streamline.flow.memory", "streamline.flow.memory");
        assertEquals(Map.of("service.ranking", "0", "streamline.flow.type", "memory"), memory);
        Map<String, String> wal = describedDefaults("streamline.wal.file", "streamline.wal.file");
        assertEquals(Map.of("directory", "data/wal", "sync", "always", "sync.interval.ms", "100",
                "segment.bytes", "67108864", "checkpoint.bytes", "268435456", "checkpoint.interval.seconds", "60",
                "service.ranking", "20", "streamline.wal.type", "file"), wal);
        Map<String, String> jpa = describedDefaults("streamline.flow.jpa", "streamline.flow.jpa");
        assertEquals("jdbc:derby:flows;create=true", jpa.get("jdbc.url"));
        assertEquals("10", jpa.get("service.ranking"));
        assertEquals("jpa", jpa.get("streamline.flow.type"));
        Map<String, String> walJpa = describedDefaults("streamline.wal.jpa", "streamline.wal.jpa");
        assertEquals("jdbc:derby:wal;create=true", walJpa.get("jdbc.url"));
        assertEquals("jpa", walJpa.get("streamline.wal.type"));
    }

    /** The defaults of a PID's metatype, checking that every attribute has a description. */
    private Map<String, String> describedDefaults(String bundle, String pid) {
        MetaTypeService metatype = awaitService(MetaTypeService.class, null);
        ObjectClassDefinition ocd = metatype.getMetaTypeInformation(bundle(bundle)).getObjectClassDefinition(pid, null);
        assertNotNull("no metatype for " + pid, ocd);
        Map<String, String> defaults = new TreeMap<>();
        for (AttributeDefinition attribute : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            assertFalse(pid + " " + attribute.getID() + " has no description",
                    attribute.getDescription() == null || attribute.getDescription().isBlank());
            defaults.put(attribute.getID(), String.join(",", attribute.getDefaultValue()));
        }
        return defaults;
    }
}
