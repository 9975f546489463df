package streamline.api.engine;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Hears about sessions. Register an implementation as a service (whiteboard); the engine calls every
 * registered listener, from its own threads, possibly concurrently. A listener must return quickly
 * and its exceptions are logged and ignored.
 */
@ConsumerType
public interface SessionListener {

    void sessionUpdated(SessionUpdate update);
}
