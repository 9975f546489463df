package streamline.flow.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.Lob;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.Table;

/** A stored trigger processor. */
@Entity
@NamedQuery(name = "triggersOfFlow", query = "select x from TriggerEntity x where x.flow.id = :flow order by x.position")
@NamedQuery(name = "triggersOfFlows", query = "select x from TriggerEntity x where x.flow.id in :flows order by x.position")
// a flow's rows in order without a sort
@Table(name = "SL_TRIGGER", indexes = @Index(name = "SL_TRIGGER_FLOW", columnList = "FLOW_ID, POSITION"))
public class TriggerEntity {

    @Id
    @Column(name = "ID", length = 36)
    String id;

    @ManyToOne(optional = false)
    @JoinColumn(name = "FLOW_ID", nullable = false)
    FlowEntity flow;

    /** The {@code lastUpdated} of the flow version this row belongs to. */
    @Column(name = "FLOW_STAMP", nullable = false)
    long flowStamp;

    @Column(name = "POSITION", nullable = false)
    int position;

    @Column(name = "NAME", nullable = false, length = FlowEntity.NAME_LENGTH)
    String name;

    @Column(name = "TYPE", nullable = false, length = FlowEntity.NAME_LENGTH)
    String type;

    @Lob
    @Column(name = "CONFIG_JSON", nullable = false)
    String configJson;

    @Column(name = "CRON", nullable = false, length = FlowEntity.NAME_LENGTH)
    String cronExpression;

    @Column(name = "SINGLE_NODE", nullable = false)
    boolean singleNode;

    @Column(name = "ENABLED", nullable = false)
    boolean enabled;

    @Column(name = "LOG_LEVEL", nullable = false, length = 8)
    String logLevel;
}
