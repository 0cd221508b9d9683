package dev.tally.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Drops the throwaway schemas that PostgreSQL tests run in, and reads what tests check in them. */
final class PostgresSchemas {
    private PostgresSchemas() {
    }

    static void drop(String baseUrl, String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    /** The requests the month rollup rows of the schema at {@code url} hold, all customers together. */
    static long monthRequests(String url) throws SQLException {
        return single(url, "SELECT COALESCE(SUM(requests), 0) FROM usage_rollup WHERE grain = 'month'");
    }

    /** The rows of the rollup queue ({@code rollup_pending}) of the schema at {@code url}. */
    static long queuedRows(String url) throws SQLException {
        return single(url, "SELECT COUNT(*) FROM rollup_pending");
    }

    /** The one number {@code sql} answers in the schema at {@code url}. */
    static long single(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
