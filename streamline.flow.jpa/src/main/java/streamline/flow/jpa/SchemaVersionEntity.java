package streamline.flow.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The version of this store's schema, so that a later release can migrate it. */
@Entity
@Table(name = "SL_SCHEMA")
public class SchemaVersionEntity {

    @Id
    @Column(name = "COMPONENT", length = 64)
    String component;

    @Column(name = "VERSION", nullable = false)
    int version;
}
