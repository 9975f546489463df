package streamline.runtime.osgi;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Constants;
import org.osgi.service.component.ComponentServiceObjects;

import streamline.api.flow.FlowManager;
import streamline.api.wal.WriteAheadLog;

import streamline.runtime.engine.KnownServices;
import streamline.runtime.engine.Named;

/**
 * Every write-ahead log and flow store registered, by name, whichever the engine uses, and the names the
 * operator declared abandoned: where the engine finds the log or store it used last. A service is taken
 * (and so a delayed component activated) only when the engine asks for it by name.
 */
final class PresentServices {

    private final Map<String, ComponentServiceObjects<WriteAheadLog>> wals = new ConcurrentHashMap<>();
    private final Map<String, ComponentServiceObjects<FlowManager>> flowStores = new ConcurrentHashMap<>();
    private volatile Set<String> abandoned = Set.of();

    /** A service's name: its type property, else its component name, else its service id. */
    static <T> Named<T> named(T service, Map<String, Object> properties, String typeProperty) {
        return new Named<>(name(properties, typeProperty), service);
    }

    /** The name a log or flow store is recorded by, from its service properties. */
    static String name(Map<String, Object> properties, String typeProperty) {
        Object type = properties.get(typeProperty);
        if (type instanceof String name && !name.isBlank()) {
            return name.trim();
        }
        Object component = properties.get("component.name");
        return component instanceof String name ? name : "service " + properties.get(Constants.SERVICE_ID);
    }

    /** The names declared gone for good, as {@code ConfigList} reads the configuration's list. */
    void abandon(List<String> names) {
        abandoned = Set.copyOf(names);
    }

    void addWal(ComponentServiceObjects<WriteAheadLog> log, Map<String, Object> properties) {
        wals.put(name(properties, WriteAheadLog.TYPE_PROPERTY), log);
    }

    void removeWal(ComponentServiceObjects<WriteAheadLog> log, Map<String, Object> properties) {
        wals.remove(name(properties, WriteAheadLog.TYPE_PROPERTY), log);
    }

    void addFlowStore(ComponentServiceObjects<FlowManager> store, Map<String, Object> properties) {
        flowStores.put(name(properties, FlowManager.TYPE_PROPERTY), store);
    }

    void removeFlowStore(ComponentServiceObjects<FlowManager> store, Map<String, Object> properties) {
        flowStores.remove(name(properties, FlowManager.TYPE_PROPERTY), store);
    }

    /** What is present now, for one start of the engine. */
    KnownServices known() {
        Set<String> gone = abandoned;
        return new KnownServices() {
            @Override
            public Optional<WriteAheadLog> wal(String name) {
                return Optional.ofNullable(wals.get(name)).map(ComponentServiceObjects::getService);
            }

            @Override
            public Optional<FlowManager> flowStore(String name) {
                return Optional.ofNullable(flowStores.get(name)).map(ComponentServiceObjects::getService);
            }

            @Override
            public boolean abandoned(String name) {
                return gone.contains(name);
            }
        };
    }
}
