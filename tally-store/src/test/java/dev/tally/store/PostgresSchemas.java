package dev.tally.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates and drops the throwaway schemas that PostgreSQL tests run in. */
final class PostgresSchemas {
    private PostgresSchemas() {
    }

    static void drop(String baseUrl, String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
