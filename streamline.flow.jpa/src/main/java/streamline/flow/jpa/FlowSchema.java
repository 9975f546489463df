package streamline.flow.jpa;

import java.util.List;

import jakarta.persistence.EntityManager;

import streamline.jpa.support.Transactions;

/** The flow store's schema version, kept in its own row, and the migrations from older versions. */
final class FlowSchema {

    static final int SCHEMA_VERSION = 2;

    private FlowSchema() {
    }

    /**
     * Creates the version row of a new store, migrates an older schema, and refuses a newer one.
     *
     * @throws IllegalStateException if the schema is newer than this release knows
     */
    static void ensure(Transactions transactions) {
        transactions.required(em -> {
            SchemaVersionEntity version = em.find(SchemaVersionEntity.class, "streamline.flow.jpa");
            if (version == null) {
                version = new SchemaVersionEntity();
                version.component = "streamline.flow.jpa";
                version.version = SCHEMA_VERSION;
                em.persist(version);
            } else if (version.version > SCHEMA_VERSION) {
                throw new IllegalStateException("the flow store's schema has version " + version.version
                        + "; this release knows version " + SCHEMA_VERSION + " only");
            } else if (version.version == 1) {
                migrateFrom1(em);
                version.version = SCHEMA_VERSION;
            }
            return null;
        });
    }

    /**
     * Version 2 stamps processor and trigger rows with their flow's stamp and counts them on the
     * flow's row, so that a read needs no second look at the flow, and indexes them in their order.
     * Plain SQL that Derby, H2 and PostgreSQL all take; existing rows get the stamp and counts of
     * what is stored.
     */
    private static void migrateFrom1(EntityManager em) {
        for (String statement : List.of(
                "ALTER TABLE SL_FLOW ADD COLUMN PROCESSOR_COUNT INTEGER DEFAULT 0 NOT NULL",
                "ALTER TABLE SL_FLOW ADD COLUMN TRIGGER_COUNT INTEGER DEFAULT 0 NOT NULL",
                "ALTER TABLE SL_PROCESSOR ADD COLUMN FLOW_STAMP BIGINT DEFAULT 0 NOT NULL",
                "ALTER TABLE SL_TRIGGER ADD COLUMN FLOW_STAMP BIGINT DEFAULT 0 NOT NULL",
                "CREATE INDEX SL_PROCESSOR_FLOW ON SL_PROCESSOR (FLOW_ID, POSITION)",
                "CREATE INDEX SL_TRIGGER_FLOW ON SL_TRIGGER (FLOW_ID, POSITION)",
                "UPDATE SL_FLOW SET PROCESSOR_COUNT = (SELECT COUNT(*) FROM SL_PROCESSOR P WHERE P.FLOW_ID = SL_FLOW.ID),"
                        + " TRIGGER_COUNT = (SELECT COUNT(*) FROM SL_TRIGGER T WHERE T.FLOW_ID = SL_FLOW.ID)",
                "UPDATE SL_PROCESSOR SET FLOW_STAMP = (SELECT F.LAST_UPDATED FROM SL_FLOW F WHERE F.ID = SL_PROCESSOR.FLOW_ID)",
                "UPDATE SL_TRIGGER SET FLOW_STAMP = (SELECT F.LAST_UPDATED FROM SL_FLOW F WHERE F.ID = SL_TRIGGER.FLOW_ID)")) {
            em.createNativeQuery(statement).executeUpdate();
        }
    }
}
