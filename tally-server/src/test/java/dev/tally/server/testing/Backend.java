package dev.tally.server.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/**
 * The two stores the server tests run against: a fresh SQLite file, or a fresh schema in the local PostgreSQL
 * ({@code TALLY_TEST_POSTGRES_URL}, default {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}). A missing
 * PostgreSQL fails the test: it is never skipped.
 */
public enum Backend {
    SQLITE, POSTGRES;

    public static final String POSTGRES_BASE_URL = System.getenv().getOrDefault("TALLY_TEST_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    /** A JDBC URL of an empty store: {@code dir} holds the SQLite file; PostgreSQL gets a new schema. */
    public String freshUrl(Path dir) {
        if (this == SQLITE) {
            return "jdbc:sqlite:" + dir.resolve("tally.db").toAbsolutePath();
        }
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(POSTGRES_BASE_URL)) {
            c.createStatement().execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL is required for this test and is not reachable at "
                    + POSTGRES_BASE_URL + " (start it, or set TALLY_TEST_POSTGRES_URL): " + e.getMessage(), e);
        }
        return POSTGRES_BASE_URL + "&currentSchema=" + schema;
    }
}
