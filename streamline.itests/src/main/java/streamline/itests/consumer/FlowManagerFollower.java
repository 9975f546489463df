package streamline.itests.consumer;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import streamline.api.flow.FlowManager;

/**
 * A consumer of {@link FlowManager} that follows the selection rules the way the engine does: a
 * dynamic, greedy reference named {@code flowManager}, so a better-ranked service or a new
 * {@code flowManager.target} (set through Config Admin, PID {@code streamline.itests.consumer})
 * rebinds it while it stays active. As a {@link Supplier} it tells tests which service it holds.
 */
@Component(service = Supplier.class, configurationPid = "streamline.itests.consumer",
        property = "streamline.itests.role=flow-manager-follower")
public class FlowManagerFollower implements Supplier<Optional<ServiceReference<FlowManager>>> {

    private final AtomicReference<ServiceReference<FlowManager>> bound = new AtomicReference<>();

    @Reference(name = "flowManager", service = FlowManager.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindFlowManager(ServiceReference<FlowManager> reference) {
        bound.set(reference);
    }

    void unbindFlowManager(ServiceReference<FlowManager> reference) {
        // a greedy rebind binds the new service before it unbinds the old one: clear only our own
        bound.compareAndSet(reference, null);
    }

    /**
     * Present so that a changed configuration (a new target) modifies this instance instead of
     * replacing it; SCR rebinds the dynamic reference afterwards (STACK.md trap 11).
     */
    @Modified
    void modified() {
        // nothing to do: the reference's bind and unbind calls carry the switch
    }

    @Override
    public Optional<ServiceReference<FlowManager>> get() {
        return Optional.ofNullable(bound.get());
    }
}
