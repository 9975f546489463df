package streamline.flow.files;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import streamline.api.flow.FlowManager;

/**
 * The flow store the engine uses, as its greedy reference picks it: the best-ranked store matching the
 * engine's {@code flowManager.target} (a service property of the engine, from its configuration), or a
 * filter of a component's own. Where the flow folder and the {@code load} command put flows, so that a
 * flow saved goes where the engine reads.
 */
final class FlowStoreSelection {

    static final String TARGET = "flowManager.target";
    static final String ANY_STORE = "(" + FlowManager.TYPE_PROPERTY + "=*)";

    private final Map<ServiceReference<FlowManager>, FlowManager> stores = new ConcurrentHashMap<>();
    private volatile String engineTarget = ANY_STORE;

    void add(ServiceReference<FlowManager> reference, FlowManager store) {
        stores.put(reference, store);
    }

    void remove(ServiceReference<FlowManager> reference) {
        stores.remove(reference);
    }

    /** The engine's service properties: its target is followed from now on. */
    void engine(Map<String, Object> properties) {
        engineTarget = properties.get(TARGET) instanceof String target && !target.isBlank() ? target : ANY_STORE;
    }

    /** The filter in force: {@code own} if given, else the engine's. */
    String target(String own) {
        return own != null ? own : engineTarget;
    }

    /**
     * The best-ranked store matching the filter in force.
     *
     * @throws NoStoreException saying which filter matched nothing (or is malformed) and what is present
     */
    FlowManager select(String own) throws NoStoreException {
        String target = target(own);
        String from = own != null ? "streamline.flow.files" : "the engine's streamline.runtime";
        Filter filter;
        try {
            filter = FrameworkUtil.createFilter(target);
        } catch (InvalidSyntaxException e) {
            throw new NoStoreException(TARGET + "=" + target + " (from " + from + ") is not a valid filter: " + e.getMessage());
        }
        ServiceReference<FlowManager> best = null;
        for (ServiceReference<FlowManager> reference : stores.keySet()) {
            if (filter.match(reference) && (best == null || reference.compareTo(best) > 0)) {
                best = reference;
            }
        }
        FlowManager store = best == null ? null : stores.get(best);
        if (store == null) {
            throw new NoStoreException("no flow store matches " + TARGET + "=" + target + " (from " + from + "); present: " + present());
        }
        return store;
    }

    boolean anyPresent() {
        return !stores.isEmpty();
    }

    /** The stores registered, by type and ranking. */
    String present() {
        List<String> names = new ArrayList<>();
        for (ServiceReference<FlowManager> reference : stores.keySet()) {
            Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
            names.add("(" + FlowManager.TYPE_PROPERTY + "=" + reference.getProperty(FlowManager.TYPE_PROPERTY) + ") ranking "
                    + (ranking == null ? 0 : ranking));
        }
        return names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList());
    }

    /** No store to use: the message says which filter and what is present. */
    static final class NoStoreException extends Exception {
        private static final long serialVersionUID = 1L;

        NoStoreException(String message) {
            super(message);
        }
    }
}
