package dev.tally.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;

/**
 * Brings a database to the current schema with Flyway, from the dialect's own folder of migrations
 * ({@code db/migration/sqlite}, {@code db/migration/postgresql}). Safe to run on every start: an up-to-date database
 * is left alone, and on PostgreSQL Flyway's advisory lock lets only one of several starting servers migrate.
 */
final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    /**
     * Migrates the database.
     *
     * @param schema the schema to create if missing and migrate (PostgreSQL's {@code currentSchema}), or null for
     *               the connection's default
     */
    static void apply(DataSource dataSource, SqlDialect dialect, String schema) {
        var config = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations(dialect.migrations())
                .failOnMissingLocations(true);
        if (schema != null) {
            config.schemas(schema);
        }
        MigrateResult result = config.load().migrate();
        if (result.migrationsExecuted > 0) {
            LOG.info("Migrated the {} store to schema version {} ({} migrations)", dialect.backend(),
                    result.targetSchemaVersion, result.migrationsExecuted);
        }
    }
}
