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

import streamline.api.wal.WriteAheadLog;

/**
 * Like {@link FlowManagerFollower}, for the write-ahead log: a dynamic, greedy reference named
 * {@code wal}, retargeted through Config Admin (PID {@code streamline.itests.walconsumer}).
 */
@Component(service = Supplier.class, configurationPid = "streamline.itests.walconsumer",
        property = "streamline.itests.role=wal-follower")
public class WalFollower implements Supplier<Optional<ServiceReference<WriteAheadLog>>> {

    private final AtomicReference<ServiceReference<WriteAheadLog>> bound = new AtomicReference<>();

    @Reference(name = "wal", service = WriteAheadLog.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindWal(ServiceReference<WriteAheadLog> reference) {
        bound.set(reference);
    }

    void unbindWal(ServiceReference<WriteAheadLog> reference) {
        bound.compareAndSet(reference, null);
    }

    /** Present so a new target rebinds this instance instead of replacing it. */
    @Modified
    void modified() {
        // the reference's bind and unbind calls carry the switch
    }

    @Override
    public Optional<ServiceReference<WriteAheadLog>> get() {
        return Optional.ofNullable(bound.get());
    }
}
