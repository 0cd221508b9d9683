package dev.tally.store;

import dev.tally.core.auth.ApiKey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** The {@code api_keys} and {@code settings} tables. */
final class KeyRows {
    private KeyRows() {
    }

    static void add(Connection c, ApiKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO api_keys (id, scope, customer_id, hash, created_ms, revoked_ms) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, key.id());
            ps.setString(2, key.scope().wireName());
            ps.setString(3, key.customerId());
            ps.setBytes(4, key.hash());
            ps.setLong(5, key.createdAt().toEpochMilli());
            Columns.setMillis(ps, 6, key.revokedAt());
            ps.executeUpdate();
        }
    }

    static Optional<ApiKey> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, scope, customer_id, hash, created_ms, revoked_ms FROM api_keys WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new ApiKey(rs.getString("id"), rs.getString("customer_id"), rs.getBytes("hash"),
                        Instant.ofEpochMilli(rs.getLong("created_ms")), Columns.getMillis(rs, "revoked_ms"),
                        ApiKey.Scope.fromWireName(rs.getString("scope"))));
            }
        }
    }

    /** Revokes a key of the customer; a key revoked before keeps its first revocation time. */
    static boolean revoke(Connection c, String customerId, String keyId, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET revoked_ms = COALESCE(revoked_ms, ?) "
                + "WHERE id = ? AND customer_id = ?")) {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, keyId);
            ps.setString(3, customerId);
            return ps.executeUpdate() > 0;
        }
    }

    /** Revokes an ingest key; a key revoked before keeps its first revocation time. */
    static boolean revokeIngest(Connection c, String keyId, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET revoked_ms = COALESCE(revoked_ms, ?) "
                + "WHERE id = ? AND scope = 'ingest'")) {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, keyId);
            return ps.executeUpdate() > 0;
        }
    }

    static Optional<String> setting(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT value FROM settings WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Inserts a setting unless one of this name exists (then it waits for that row's transaction, if open). */
    static void insertSettingIfAbsent(Connection c, String name, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO settings (name, value) VALUES (?, ?) "
                + "ON CONFLICT (name) DO NOTHING")) {
            ps.setString(1, name);
            ps.setString(2, value);
            ps.executeUpdate();
        }
    }

    static void putSetting(Connection c, String name, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO settings (name, value) VALUES (?, ?) "
                + "ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
            ps.setString(1, name);
            ps.setString(2, value);
            ps.executeUpdate();
        }
    }
}
