package streamline.flow.jpa;

import java.util.ArrayList;
import java.util.List;

import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;

/**
 * A stored flow. {@code lastUpdated} is in nanoseconds since the epoch, strictly increasing per store;
 * every save stamps the flow's processor and trigger rows with it (schema version 2).
 */
@Entity
@Table(name = "SL_FLOW", indexes = @Index(name = "SL_FLOW_UPDATED", columnList = "LAST_UPDATED, ID"))
public class FlowEntity {

    /** Column lengths in characters: names, types and cron expressions of every table, and a flow's description. */
    static final int NAME_LENGTH = 255;
    static final int DESCRIPTION_LENGTH = 4000;

    @Id
    @Column(name = "ID", length = 36)
    String id;

    @Column(name = "NAME", nullable = false, length = NAME_LENGTH)
    String name;

    @Column(name = "DESCRIPTION", length = DESCRIPTION_LENGTH)
    String description;

    @Column(name = "ACTIVE", nullable = false)
    boolean active;

    @Column(name = "LAST_UPDATED", nullable = false)
    long lastUpdated;

    /** How many processors this version has: with their stamps, lets one read check it saw all of them. */
    @Column(name = "PROCESSOR_COUNT", nullable = false)
    int processorCount;

    @Column(name = "TRIGGER_COUNT", nullable = false)
    int triggerCount;

    @OneToMany(mappedBy = "flow", cascade = CascadeType.ALL, orphanRemoval = true)
    @OrderBy("position")
    List<ProcessorEntity> processors = new ArrayList<>();

    @OneToMany(mappedBy = "flow", cascade = CascadeType.ALL, orphanRemoval = true)
    @OrderBy("position")
    List<TriggerEntity> triggers = new ArrayList<>();
}
