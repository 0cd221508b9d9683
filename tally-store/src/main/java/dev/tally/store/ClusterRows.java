package dev.tally.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The {@code config_version} row and the {@code nodes} table (migration V10): SQL the same on both backends. */
final class ClusterRows {
    private ClusterRows() {
    }

    /** Bumps the configuration version; called inside the transaction of every configuration change. */
    static void bump(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE config_version SET version = version + 1 WHERE id = 1");
        }
    }

    static long version(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM config_version WHERE id = 1")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Creates or refreshes a node's row. */
    static void heartbeat(Connection c, String nodeId, String counters, long startedAtMs, long nowMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO nodes (id, started_at, seen_at, counters) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, "
                + "counters = excluded.counters")) {
            ps.setString(1, nodeId);
            ps.setLong(2, startedAtMs);
            ps.setLong(3, nowMs);
            ps.setString(4, counters);
            ps.executeUpdate();
        }
    }

    static void leave(Connection c, String nodeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM nodes WHERE id = ?")) {
            ps.setString(1, nodeId);
            ps.executeUpdate();
        }
    }

    /**
     * The nodes seen at or after {@code sinceMs}; rows of nodes gone for a day are removed on the way (a node killed
     * without stopping never deletes its own).
     */
    static int live(Connection c, long sinceMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM nodes WHERE seen_at < ?")) {
            ps.setLong(1, sinceMs - 86_400_000L);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM nodes WHERE seen_at >= ?")) {
            ps.setLong(1, sinceMs);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
