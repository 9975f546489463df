package streamline.api.state;

/** Where state lives. */
public enum StateScope {
    /** On this node only. */
    LOCAL,
    /** Shared by every node of a cluster; on a single node the same as {@link #LOCAL} but stored apart. */
    CLUSTER
}
