package streamline.itests;

import static org.junit.Assert.assertEquals;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Optional;
import java.util.function.Supplier;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import streamline.api.flow.FlowManager;

/**
 * A consumer follows the selection rules: the highest ranking without a target, the target when
 * one is configured through Config Admin, switching while the framework runs (STACK.md traps 2 and 11).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class SelectionIT extends StreamlineTestSupport {

    private ServiceRegistration<FlowManager> extra;

    @After
    public void unregister() {
        if (extra != null) {
            extra.unregister();
        }
    }

    @SuppressWarnings("unchecked")
    private Supplier<Optional<ServiceReference<FlowManager>>> follower() {
        return awaitService(Supplier.class, "(streamline.itests.role=flow-manager-follower)");
    }

    /** Waits until the follower is bound to the FlowManager of the given type. */
    private void awaitBoundTo(String type) {
        Supplier<Optional<ServiceReference<FlowManager>>> follower = follower();
        await("the follower bound to the " + type + " flow store",
                () -> follower.get().map(r -> type.equals(r.getProperty(FlowManager.TYPE_PROPERTY))).orElse(false),
                () -> follower.get().map(r -> r.getProperty(FlowManager.TYPE_PROPERTY)).orElse("nothing"));
    }

    /** Registers the memory store's service object a second time, under another type and ranking. */
    private void registerSecondStore(String type, int ranking) {
        FlowManager memory = awaitService(FlowManager.class, "(streamline.flow.type=memory)");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(FlowManager.TYPE_PROPERTY, type);
        properties.put("service.ranking", ranking);
        extra = context.registerService(FlowManager.class, memory, properties);
    }

    @Test
    public void aGreedyConsumerFollowsAHigherRankedStoreAndFallsBack() {
        awaitBoundTo("jpa");
        registerSecondStore("better", 100);
        awaitBoundTo("better");
        extra.unregister();
        extra = null;
        awaitBoundTo("jpa");
    }

    @Test
    public void aLowerRankedStoreIsIgnoredWithoutATarget() {
        awaitBoundTo("jpa");
        registerSecondStore("worse", -5);
        // the lower-ranked store must not win: register one more, higher ranked, and see it win instead
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(FlowManager.TYPE_PROPERTY, "best");
        properties.put("service.ranking", 50);
        ServiceRegistration<FlowManager> best = context.registerService(FlowManager.class,
                awaitService(FlowManager.class, "(streamline.flow.type=memory)"), properties);
        try {
            awaitBoundTo("best");
        } finally {
            best.unregister();
        }
        awaitBoundTo("jpa");
    }

    @Test
    public void aTargetSetThroughConfigAdminSwitchesBetweenTheMemoryAndJpaStores() throws Exception {
        awaitBoundTo("jpa");
        ConfigurationAdmin configAdmin = awaitService(ConfigurationAdmin.class, null);
        Configuration configuration = configAdmin.getConfiguration("streamline.itests.consumer", "?");
        try {
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("flowManager.target", "(streamline.flow.type=memory)");
            configuration.update(properties);
            awaitBoundTo("memory");

            properties.put("flowManager.target", "(streamline.flow.type=jpa)");
            configuration.update(properties);
            awaitBoundTo("jpa");

            properties.put("flowManager.target", "(streamline.flow.type=memory)");
            configuration.update(properties);
            awaitBoundTo("memory");
        } finally {
            configuration.delete();
        }
        awaitBoundTo("jpa");
        assertEquals("jpa", follower().get().orElseThrow().getProperty(FlowManager.TYPE_PROPERTY));
    }
}
