package streamline.runtime.engine;

import java.util.Optional;

import streamline.api.flow.FlowManager;
import streamline.api.wal.WriteAheadLog;

/**
 * The write-ahead logs and flow stores present now, found by name: where the engine finds the ones
 * it used before, to carry their sessions and flows over. Looked up only when needed, so that a log
 * nobody uses is not opened for it.
 */
public interface KnownServices {

    /** None present, nothing abandoned. */
    KnownServices NONE = new KnownServices() {
        @Override
        public Optional<WriteAheadLog> wal(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<FlowManager> flowStore(String name) {
            return Optional.empty();
        }

        @Override
        public boolean abandoned(String name) {
            return false;
        }
    };

    Optional<WriteAheadLog> wal(String name);

    Optional<FlowManager> flowStore(String name);

    /** Whether the operator declared the log or flow store of this name gone for good. */
    boolean abandoned(String name);
}
